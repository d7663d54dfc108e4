import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["ui/dist/**", "ui/src/bindings.ts", "target/**", "node_modules/**", "gen/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ["ui/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "no-restricted-globals": ["error", { name: "parseFloat", message: "Money is a decimal string: never parse it into a float." }],
    },
  },
  {
    files: ["tests/**/*.{ts,js,mjs}"],
    languageOptions: { globals: globals.node },
  },
);
