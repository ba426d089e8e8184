// ESLint for the console's sources (`make lint`): the recommended JavaScript
// rules and typescript-eslint's type-checked ones (promises that nothing
// awaits, needless assertions, ...). Formatting is Prettier's
// (.prettierrc.json).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["dist/", "src/gen/"]),
  {
    files: ["src/**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // main.ts is the entry and imports every page: importing it back
      // would make a cycle.
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "(^|/)main(\\.ts)?$", message: "Take what a page needs from PageContext (page.ts), not from main.ts." },
          ],
        },
      ],
    },
  },
);
