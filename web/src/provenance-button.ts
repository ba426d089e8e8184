// The deployment page's "Download provenance" button: GetProvenance, saved
// as provenance-<id>.json through a Blob URL.
import { deployments } from "./api";
import { busy, errorBox, h, replace } from "./dom";
import { provenanceFileName, provenanceText } from "./provenance";

/** provenanceButton downloads deployment id's provenance; a failure is shown in status. */
export function provenanceButton(id: string, status: HTMLElement): HTMLButtonElement {
  const b = h("button", { type: "button", class: "btn", id: "download-provenance" }, "Download provenance");
  b.addEventListener(
    "click",
    () =>
      void busy(b, "Preparing…", async () => {
        status.replaceChildren();
        try {
          const r = await deployments.getProvenance({ id });
          if (!r.provenance) throw new Error("The server answered no provenance record.");
          download(provenanceFileName(id), provenanceText(r.provenance));
        } catch (err) {
          replace(status, errorBox(err));
        }
      }),
  );
  return b;
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked once the browser has taken the file.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
