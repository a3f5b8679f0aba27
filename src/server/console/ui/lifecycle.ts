// Lifecycle rules as a form: each rule's prefix, whether it is on, and after how many days current
// versions expire, noncurrent versions go and unfinished multipart uploads are aborted; rules added and
// removed in the list, then saved together (PutBucketLifecycleConfiguration; none left: removed).
import { all, tagText, xmlBody } from "./api.ts";
import { button, cell, el } from "./dom.ts";
import { field, getConfig, input, putConfig, select, settingsForm } from "./settings-form.ts";

interface Rule {
  id: string;
  prefix: string;
  enabled: boolean;
  expireDays: string;
  noncurrentDays: string;
  abortDays: string;
}

const child = (e: Element, tag: string) => e.getElementsByTagName(tag)[0];
const daysIn = (e: Element, parent: string, tag: string) => {
  const p = child(e, parent);
  return p ? tagText(p, tag) : "";
};

function ruleXml(r: Rule) {
  return {
    ID: r.id, Filter: { Prefix: r.prefix }, Status: r.enabled ? "Enabled" : "Disabled",
    ...(r.expireDays ? { Expiration: { Days: Number(r.expireDays) } } : {}),
    ...(r.noncurrentDays ? { NoncurrentVersionExpiration: { NoncurrentDays: Number(r.noncurrentDays) } } : {}),
    ...(r.abortDays ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: Number(r.abortDays) } } : {}),
  };
}

export async function lifecycleForm(bucket: string): Promise<HTMLFormElement> {
  const doc = await getConfig(bucket, "lifecycle");
  const rules: Rule[] = (doc ? all(doc, "Rule") : []).map((r) => ({
    id: tagText(r, "ID"), prefix: tagText(r, "Prefix"), enabled: tagText(r, "Status") === "Enabled", expireDays: daysIn(r, "Expiration", "Days"),
    noncurrentDays: daysIn(r, "NoncurrentVersionExpiration", "NoncurrentDays"), abortDays: daysIn(r, "AbortIncompleteMultipartUpload", "DaysAfterInitiation"),
  }));
  const table = el("table");
  const head = el("tr");
  for (const h of ["Rule", "Prefix", "Status", "Expire after (days)", "Noncurrent after (days)", "Abort uploads after (days)", "Actions"]) {
    const th = el("th", h);
    th.scope = "col";
    head.append(th);
  }
  const rows = el("tbody");
  table.append(el("thead"), rows);
  table.tHead!.append(head);
  const render = () => {
    rows.replaceChildren(...rules.map((r, i) => {
      const tr = el("tr");
      tr.append(
        el("td", r.id), el("td", r.prefix || "(every object)"), el("td", r.enabled ? "Enabled" : "Disabled"), el("td", r.expireDays || "-"),
        el("td", r.noncurrentDays || "-"), el("td", r.abortDays || "-"),
        cell(button("Remove", () => {
          rules.splice(i, 1);
          render();
        }, `Remove rule ${r.id}`)),
      );
      return tr;
    }));
  };
  render();
  const id = input();
  const prefix = input();
  const status = select([["Enabled", "Enabled"], ["Disabled", "Disabled"]], "Enabled");
  const expire = input("", "number");
  const noncurrent = input("", "number");
  const abort = input("", "number");
  const add = button("Add rule", () => {
    rules.push({
      id: id.value.trim() || `rule-${rules.length + 1}`, prefix: prefix.value, enabled: status.value === "Enabled",
      expireDays: expire.value, noncurrentDays: noncurrent.value, abortDays: abort.value,
    });
    for (const i of [id, prefix, expire, noncurrent, abort]) i.value = "";
    render();
  });
  const fields = [
    table, field("Rule name", id), field("Rule prefix", prefix), field("Rule status", status), field("Expire current versions after days", expire),
    field("Remove noncurrent versions after days", noncurrent), field("Abort unfinished uploads after days", abort), add,
  ];
  return settingsForm("Lifecycle rules", fields, () =>
    rules.length === 0 ? putConfig(bucket, "lifecycle", null) : putConfig(bucket, "lifecycle", xmlBody("LifecycleConfiguration", { Rule: rules.map(ruleXml) })),
  () => {
    rules.length = 0;
    render();
    return putConfig(bucket, "lifecycle", null);
  });
}
