// Layer rules: dependencies point one way (renderer -> protocol, electron -> station -> protocol,
// agents -> protocol). They are errors, not warnings, so a wrong import never lands.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const layer = (folder, forbidden, extra = []) => ({
  files: [`${folder}/**/*.{ts,vue}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((f) => ({
            group: [`**/${f}/**`, `**/${f}`],
            message: `${folder}/ must not import from ${f}/ (see DESIGN.md, layers).`,
          })),
          ...extra,
        ],
      },
    ],
  },
});
const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto'],
  message: 'No Node built-ins here.',
};
const electronOnly = { group: ['electron'], message: 'Only electron/ may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'artifacts/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  layer('protocol', ['station', 'agents', 'renderer', 'electron'], [nodeBuiltins, electronOnly]),
  layer('station', ['agents', 'renderer', 'electron'], [electronOnly]),
  layer('agents', ['station', 'renderer', 'electron'], [electronOnly]),
  layer('renderer', ['station', 'agents', 'electron'], [nodeBuiltins, electronOnly]),
  layer('electron', ['renderer', 'agents']),
  prettier,
);
