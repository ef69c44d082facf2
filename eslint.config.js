// Lint for the plugin, its tests and scripts: typescript-eslint's recommended and type-aware rules.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'scripts/*.js',
      'scripts/*.mjs',
      'lib/**',
      'build/**',
      'node_modules/**',
      'bin/**',
      '**/*.cjs',
      'eslint.config.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: ['./test/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
    },
  },
  {
    // chai's property assertions (`.to.be.true`) read as unused expressions; tests use equal() instead.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'error' },
  }
);
