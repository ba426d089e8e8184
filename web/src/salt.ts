// The CREATE2 salt a deployment may give (deployments.proto, salt and
// salt_scope): 0x and 64 hex digits, checked here before the server does,
// and a random one for the form's "Random" button.

const saltPattern = /^0x[0-9a-fA-F]{64}$/;

/** saltScopes: how the salt is given to the deployment proxy, the default first. */
export const saltScopes: { value: string; label: string }[] = [
  { value: "caller", label: "Yours (scoped to your account)" },
  { value: "raw", label: "Raw (as given)" },
];

/** saltError is why s is no salt, or "" for a good one or none (empty). */
export function saltError(s: string): string {
  if (s === "" || saltPattern.test(s)) return "";
  if (!/^0x/i.test(s)) return "Start the salt with 0x, then 64 hex digits (32 bytes).";
  if (s.startsWith("0X")) return "Write the prefix as a lower-case 0x.";
  const digits = s.slice(2);
  if (/[^0-9a-fA-F]/.test(digits)) return "Use only hex digits (0-9, a-f) after 0x.";
  return `Use 64 hex digits after 0x (32 bytes); this has ${digits.length}.`;
}

/** randomSalt is 32 random bytes as 0x-prefixed hex; fill is crypto.getRandomValues unless a test gives its own. */
export function randomSalt(fill: (b: Uint8Array) => void = (b) => crypto.getRandomValues(b)): string {
  const b = new Uint8Array(32);
  fill(b);
  return "0x" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
