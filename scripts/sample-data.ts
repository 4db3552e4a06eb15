import type { Connection } from 'mysql2/promise';
import { quoteMysqlIdent } from '../src/mysql/quote.js';

/** The sample shop: three tables, one with a composite key. */
export const SAMPLE_TABLES = ['customers', 'orders', 'order_items'] as const;

/**
 * (Re)creates a sample shop database of about `rows` rows in all, using
 * MariaDB's sequence tables so it takes seconds.
 */
export async function createSampleDatabase(root: Connection, database: string, rows = 150_000): Promise<void> {
  const n = Math.max(30, Math.round(rows / 3));
  const db = quoteMysqlIdent(database);
  await root.query(`DROP DATABASE IF EXISTS ${db}`);
  await root.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
  await root.query(`USE ${db}`);
  await root.query(`CREATE TABLE customers (
      id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200), country CHAR(2) NOT NULL,
      balance DECIMAL(12,2) NOT NULL, created_at DATETIME(6) NOT NULL, notes TEXT NULL)`);
  await root.query(`CREATE TABLE orders (
      id BIGINT PRIMARY KEY, customer_id INT NOT NULL, status ENUM('new','paid','shipped','cancelled') NOT NULL,
      total DECIMAL(14,2) NOT NULL, ordered_at TIMESTAMP(3) NOT NULL, KEY (customer_id))`);
  await root.query(`CREATE TABLE order_items (
      order_id BIGINT NOT NULL, line SMALLINT NOT NULL, sku VARCHAR(32) NOT NULL, qty INT NOT NULL,
      price DECIMAL(10,2) NOT NULL, PRIMARY KEY (order_id, line))`);
  await root.query(`INSERT INTO customers
      SELECT seq, CONCAT('Customer ', seq), IF(seq % 10 = 0, NULL, CONCAT('c', seq, '@example.com')),
             ELT(1 + seq % 4, 'FR', 'DE', 'US', 'JP'), ROUND(seq * 3.17 % 10000, 2),
             TIMESTAMP('2023-01-01') + INTERVAL seq MINUTE + INTERVAL (seq % 1000000) MICROSECOND,
             IF(seq % 7 = 0, CONCAT('likes ', REPEAT('☕', 1 + seq % 3)), NULL)
        FROM seq_1_to_${n}`);
  await root.query(`INSERT INTO orders
      SELECT seq, 1 + seq % ${n}, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
             ROUND(seq * 1.37 % 5000, 2), TIMESTAMP('2024-01-01') + INTERVAL seq SECOND
        FROM seq_1_to_${n}`);
  const orders = Math.ceil(n / 3);
  await root.query(`INSERT INTO order_items
      SELECT o.seq, l.seq, CONCAT('SKU-', LPAD(o.seq * 3 + l.seq, 8, '0')), l.seq, ROUND(o.seq % 500 + l.seq / 4, 2)
        FROM seq_1_to_${orders} o CROSS JOIN seq_1_to_3 l`);
}
