-- The least-privilege user pipes connect as, and a small sample database.
CREATE USER IF NOT EXISTS 'pipes_reader'@'%' IDENTIFIED BY 'change-me';
GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'pipes_reader'@'%';

CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4;
USE shop;
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200),
  balance DECIMAL(12,2) NOT NULL, created_at DATETIME(6) NOT NULL);
CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL, total DECIMAL(14,2) NOT NULL, ordered_at TIMESTAMP(3) NOT NULL);
CREATE TABLE order_items (order_id BIGINT NOT NULL, line SMALLINT NOT NULL, sku VARCHAR(32) NOT NULL,
  qty INT NOT NULL, price DECIMAL(10,2) NOT NULL, PRIMARY KEY (order_id, line));
INSERT INTO customers VALUES (1, 'Ada', 'ada@example.com', 10.00, NOW(6)), (2, 'Grace', NULL, 20.50, NOW(6));
INSERT INTO orders VALUES (1, 1, 'paid', 30.00, NOW(3)), (2, 2, 'new', 5.25, NOW(3));
INSERT INTO order_items VALUES (1, 1, 'SKU-1', 1, 10.00), (1, 2, 'SKU-2', 2, 10.00), (2, 1, 'SKU-3', 1, 5.25);
