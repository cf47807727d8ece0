// Lint rules (run by `npm test` with --max-warnings 0): typescript-eslint's recommended set, size limits that keep
// files to one concept, and the layers of specs/architecture.md as import rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// An import glob ('**/gpu/**', '**/api/engine*') as the esquery regex for the specifier of an `import('…')`.
const dynamicPattern = (group) => {
  const body = group
    .replace(/^\*\*\//, '')
    .replace(/\/\*\*$/, '')
    .replace(/\*$/, '')
    .replaceAll('/', '\\/');
  return `/(^|\\/)${body}${group.endsWith('/**') ? '(\\/|$)' : ''}/`;
};

/** The rules that ban `banned` imports (static imports, re-exports and `import('…')`), each with its reason. */
const bans = (banned) => ({
  'no-restricted-imports': ['error', { patterns: banned.map(([group, why]) => ({ group: [group], message: why })) }],
  'no-restricted-syntax': [
    'error',
    ...banned.map(([group, why]) => ({
      selector: `ImportExpression[source.value=${dynamicPattern(group)}]`,
      message: why,
    })),
  ],
});

const TESTS = ['**/*.test.ts'];
const testingWhy = 'test helpers (src/testing) are for tests, scripts and benchmarks, never production code';

/**
 * Imports a folder may not make (its layer sits below them). Its production files (not *.test.ts) may not import
 * `prodBanned` either (a test may use another layer's float64 reference as an oracle) nor the test helpers of
 * src/testing. Two config objects: a file matching both takes the second one's rules.
 */
const layer = (files, banned, why, prodBanned = []) => [
  { files, rules: bans(banned.map((group) => [group, why])) },
  {
    files,
    ignores: TESTS,
    rules: bans([...[...banned, ...prodBanned].map((group) => [group, why]), ['**/testing/**', testingWhy]]),
  },
];

// Every folder of src/ but the test helpers, from the bottom layer up.
const ALL = ['numerics', 'config', 'pipeline', 'gpu', 'model', 'solver', 'api', 'worker', 'server', 'ui', 'cli'];
/** Import globs of every src/ folder but `allowed` (and src/testing, which the layer rule bans separately). */
const allBut = (...allowed) => ALL.filter((dir) => !allowed.includes(dir)).map((dir) => `**/${dir}/**`);

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
  // Production code outside every layer below (src/errors.ts) may not import the test helpers either.
  { files: ['src/**'], ignores: [...TESTS, 'src/testing/**'], rules: bans([['**/testing/**', testingWhy]]) },
  ...layer(
    ['src/numerics/**'],
    [...allBut('numerics'), '**/errors*'],
    'numerics is the bottom layer (seeded PRNG, lgamma, bilinear taps): pure math that imports nothing from the app',
  ),
  ...layer(
    ['src/config/**', 'src/pipeline/**'],
    allBut('numerics', 'config', 'pipeline'),
    'config and pipeline are plain data and CPU code: no GPU, model, solver, engine or UI',
  ),
  ...layer(
    ['src/gpu/**'],
    allBut('numerics', 'config', 'pipeline', 'gpu', 'solver'),
    'the GPU runtime and ops know nothing of the model, the solver, the engine or the UI',
    // The float64 references and the self-test take their math from src/numerics; only tests use the CPU oracles
    // of pipeline (fftCpu, boxPreview) and solver (pie.ref, tiles).
    ['**/pipeline/**', '**/solver/**'],
  ),
  ...layer(
    ['src/model/**'],
    allBut('numerics', 'config', 'pipeline', 'gpu', 'model'),
    'the model knows nothing of the solver, the engine or the UI',
  ),
  ...layer(
    ['src/solver/**'],
    allBut('numerics', 'config', 'pipeline', 'gpu', 'model', 'solver'),
    'the solver knows nothing of the engine or the UI',
  ),
  ...layer(
    ['src/api/**'],
    ['**/ui/**', '**/worker/**', '**/server/**', '**/cli/**'],
    'the engine (src/api) sits below its hosts: it knows nothing of the page, the worker, the server or the CLI',
  ),
  ...layer(
    ['src/ui/**', 'src/main.tsx'],
    ['**/gpu/**', '**/model/**', '**/pipeline/**', '**/solver/**', '**/api/engine*', '**/server/**', '**/cli/**'],
    'the page reaches the engine only through the worker client (src/worker/client.ts) and plain types',
  ),
  ...layer(
    ['src/worker/**'],
    ['**/gpu/**', '**/model/**', '**/pipeline/**', '**/solver/**', '**/ui/**', '**/server/**', '**/cli/**'],
    'the worker reaches the engine only through src/api',
  ),
  ...layer(
    ['src/server/**'],
    ['**/gpu/**', '**/model/**', '**/pipeline/**', '**/solver/**', '**/ui/**', '**/cli/**'],
    'the engine server hosts the engine through src/api and the worker protocol (src/worker)',
  ),
  ...layer(
    ['src/cli/**'],
    ['**/ui/**', '**/worker/**'],
    'the CLI uses the Engine directly in Node, never the page or worker',
  ),
  // No import cycles between modules (type-only imports excepted: they vanish at run time): a cycle makes the load
  // order decide what a module sees, and hides which of two modules is the lower layer.
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'bench/**/*.ts', 'scripts/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The imported files are parsed with the TypeScript parser to follow their imports in turn.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
);
