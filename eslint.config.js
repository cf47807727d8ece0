// Lint rules (run by `npm test` with --max-warnings 0): typescript-eslint's recommended set, size limits that keep
// files to one concept, and the layers of specs/architecture.md as import rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// An import glob ('**/gpu/**', '**/api/engine*') as the esquery regex for the specifier of an `import('…')`.
const dynamicPattern = (group) => {
  const body = group
    .replace(/^\*\*\//, '')
    .replace(/\/\*\*$/, '')
    .replace(/\*$/, '')
    .replaceAll('/', '\\/');
  return `/(^|\\/)${body}${group.endsWith('/**') ? '(\\/|$)' : ''}/`;
};

/** Imports a folder may not make (its layer sits below them): static imports and re-exports, and `import('…')`. */
const layer = (files, banned, why) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: banned.map((group) => ({ group: [group], message: why })) }],
    'no-restricted-syntax': [
      'error',
      ...banned.map((group) => ({ selector: `ImportExpression[source.value=${dynamicPattern(group)}]`, message: why })),
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.scratch/**',
      'out/**',
      'src/ui/colormapData.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80, IIFEs: true }],
    },
  },
  // Node scripts (bin/, scripts/): plain ES modules run by Node.
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  // Tests: one `describe` callback holds many cases, so the per-function limit applies to the cases, not the suite.
  { files: ['**/*.test.ts', 'e2e/**'], rules: { 'max-lines-per-function': 'off' } },
  layer(
    ['src/config/**', 'src/pipeline/**'],
    ['**/gpu/**', '**/model/**', '**/ui/**', '**/worker/**', '**/api/**'],
    'config and pipeline are plain data and CPU code: no GPU, model, engine or UI',
  ),
  layer(
    ['src/gpu/**'],
    ['**/model/**', '**/ui/**', '**/worker/**', '**/api/**'],
    'the GPU runtime and ops know nothing of the model, the engine or the UI',
  ),
  layer(['src/model/**'], ['**/ui/**', '**/worker/**', '**/api/**'], 'the model knows nothing of the engine or the UI'),
  layer(
    ['src/ui/**', 'src/main.tsx'],
    ['**/gpu/**', '**/model/**', '**/pipeline/**', '**/api/engine*', '**/server/**'],
    'the page reaches the engine only through the worker client (src/worker/client.ts) and plain types',
  ),
  layer(
    ['src/worker/**'],
    ['**/gpu/**', '**/model/**', '**/pipeline/**', '**/ui/**'],
    'the worker reaches the engine only through src/api',
  ),
);
