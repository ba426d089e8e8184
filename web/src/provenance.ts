// A deployment's provenance record (GetProvenance) as the file the console
// downloads: the message's canonical JSON, pretty-printed, which decodes
// to the same message as the binary encoding its digest is taken over.
import { toJson } from "@bufbuild/protobuf";
import { ProvenanceSchema, type Provenance } from "./gen/slipway/v1/deployments_pb";

/** provenanceFileName is the download's name: provenance-<id>.json, the id kept to safe characters. */
export function provenanceFileName(id: string): string {
  return `provenance-${id.replace(/[^A-Za-z0-9_-]/g, "_") || "deployment"}.json`;
}

/** provenanceText is p as pretty-printed JSON (two-space indent, a newline at the end). */
export function provenanceText(p: Provenance): string {
  return JSON.stringify(toJson(ProvenanceSchema, p), null, 2) + "\n";
}
