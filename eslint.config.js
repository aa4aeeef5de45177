// `npm run lint`: typescript-eslint's type-checked rules (no floating promises, no unsafe any, ...)
// over every TypeScript file, tests included. node:test's test()/describe() return promises the
// runner awaits itself, so they are declared safe to leave unawaited.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-test/**', 'node_modules/**', '**/*.js', '.tkdist*/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
  {
    // The dashboard renders JSON objects of every kind as they come from the API: their fields are
    // read loosely (typed as any at the boundary in ui/api.ts) rather than declared kind by kind.
    files: ['ui/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
