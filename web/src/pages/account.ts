// The account: who is signed in, their plan and role, and their spend
// budgets, all from one GetMe (the Budgets panel's).
import { budgetsPanel } from "../budgets-panel";
import { formatTime, h, replace } from "../dom";
import type { PageContext } from "../page";
import type { GetMeResponse } from "../gen/slipway/v1/auth_pb";

export function accountPage(ctx: PageContext): void {
  ctx.setTitle("Account");
  const facts = h("dl", { class: "facts" }, h("dt", {}, "Email"), h("dd", {}, "…"));
  const show = (me: GetMeResponse) => {
    const u = me.user;
    replace(
      facts,
      h("dt", {}, "Email"),
      h("dd", { id: "account-email" }, u?.email || "—"),
      h("dt", {}, "Plan"),
      h("dd", { id: "account-tier" }, u?.tier ? `${u.tier.charAt(0).toUpperCase()}${u.tier.slice(1)} tier` : "—"),
      h("dt", {}, "Role"),
      h("dd", { id: "account-role" }, u?.role ? `${u.role.charAt(0).toUpperCase()}${u.role.slice(1)}` : "—"),
      h("dt", {}, "Member since"),
      h("dd", {}, formatTime(u?.createdAt)),
    );
  };
  const budgets = budgetsPanel({ onLoad: show });
  ctx.main.append(
    h("h1", {}, "Account"),
    h("section", { class: "card", "aria-labelledby": "account-h" }, h("h2", { id: "account-h" }, "You"), facts),
    budgets.el,
  );
}
