// Vite builds the console into web/dist, which the Go package web embeds.
// `npx vite web` serves it with live reload and proxies the API to a running
// `slipway dev` (SLIPWAY_API, default http://127.0.0.1:8080).
import { defineConfig } from "vitest/config";

const api = process.env.SLIPWAY_API ?? "http://127.0.0.1:8080";
const proxied = { target: api, changeOrigin: false, ws: true };

export default defineConfig({
  root: __dirname,
  publicDir: "public",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Deterministic output: content hashes only, no source maps with
    // absolute paths, so `make check-generated` can compare builds.
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    proxy: {
      "/api/": proxied,
      "^/slipway\\.v1\\.": proxied,
      "/config.json": proxied,
      "/healthz": proxied,
      "/readyz": proxied,
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
