import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Lint settings (fast, no type information: the compiler's strict settings
 * cover types). The size rules keep files and workflow functions readable.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      eqeqeq: ['error', 'always'],
      // Our errors are written to be read alone; a cause would replace them
      // in status (which shows the innermost message), and a pull's cause
      // holds the password.
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 250 }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60 }] },
  },
  {
    // The lint configuration itself is the one default export its tool asks for.
    files: ['eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
