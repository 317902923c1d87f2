import { createHash } from 'node:crypto';

/** The admin's style sheet: served as a file (the CSP allows no inline style or script). */
export const ADMIN_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d232a;background:#f6f7f9}
header.top{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;background:#24313d;color:#fff}
header.top a,header.top button{color:#fff}header.top form{display:inline}
header.top button{background:none;border:1px solid #fff6;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{padding:1rem;max-width:80rem;margin:0 auto}nav.crumbs{font-size:.9rem;margin-bottom:.5rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th a{color:inherit}.messages li{padding:.4rem .6rem;margin:.2rem 0;list-style:none;background:#e8f4ea;border-left:4px solid #2e7d32}
.messages li.error{background:#fdecea;border-color:#c62828}.errorlist{color:#b71c1c;margin:.2rem 0}
.field{margin:.8rem 0}.field label{display:block;font-weight:600}.help{color:#5b6670;font-size:.85rem}
input[type=text],input[type=number],input[type=email],input[type=url],input[type=date],input[type=datetime-local],input[type=time],input[type=password],select,textarea{width:100%;max-width:36rem;padding:.35rem;border:1px solid #b9c0c7;border-radius:4px;font:inherit}
textarea{min-height:7rem}.actions{display:flex;gap:.6rem;align-items:center;margin-top:1rem}
button.primary,a.button{background:#2c5d8a;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;text-decoration:none;cursor:pointer}
button.danger{background:#b71c1c;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;cursor:pointer}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;margin:.6rem 0}.filters select{width:auto}.pager{display:flex;gap:1rem;margin-top:.8rem}
.group{background:#fff;margin-bottom:1rem;padding:.2rem 1rem 1rem}.readonly{padding:.3rem 0}
fieldset{border:1px solid #d5dae0;border-radius:4px;margin:1rem 0;padding:.4rem 1rem;background:#fff}legend{font-weight:700;padding:0 .3rem}
.filters fieldset.range{display:inline-flex;gap:.3rem;align-items:center;margin:0;padding:.1rem .5rem}.filters input[type=date]{width:auto}
.bulk{margin:.6rem 0}.bulk select{width:auto}td.select{width:2rem}.cascade.blocked{color:#b71c1c}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
a.skip{position:absolute;left:-999px;top:0;background:#fff;color:#1d232a;padding:.4rem .8rem;z-index:10}a.skip:focus{left:.5rem}
:focus-visible{outline:3px solid #f0a30a;outline-offset:2px}
img.preview{display:block;max-width:16rem;max-height:12rem;height:auto;margin:.3rem 0;border:1px solid #d5dae0;background:#fff}
.field label.clear{display:inline;font-weight:400}.m2m ul.checks{list-style:none;margin:.3rem 0;padding:.3rem .6rem;max-height:14rem;overflow-y:auto;max-width:36rem;background:#fff;border:1px solid #d5dae0;border-radius:4px}
.m2m ul.checks label{font-weight:400}p.count{color:#5b6670;margin:.4rem 0}
@media (max-width:40rem){th,td{padding:.3rem}header.top{flex-wrap:wrap}main{padding:.5rem}
table{display:block;overflow-x:auto}.filters,.actions{flex-direction:column;align-items:stretch}
.filters fieldset.range{flex-wrap:wrap}input,select,textarea{max-width:100%}header.top nav{overflow-wrap:anywhere}}
`;

/**
 * The admin's script: a small enhancement, never needed (every flow works without it). A
 * relation input searches its model's autocomplete endpoint as the user types and offers the
 * answers in its datalist.
 */
export const ADMIN_JS = `"use strict";
document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
  var list = document.getElementById(input.getAttribute("list"));
  var timer = 0, asked = "";
  if (!list) return;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q === asked || /^\\d+$/.test(q) && list.querySelector("option[value='" + q + "']")) return;
      asked = q;
      fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(q), {
        headers: { accept: "application/json" }, credentials: "same-origin"
      }).then(function (res) { return res.ok ? res.json() : []; }).then(function (items) {
        list.replaceChildren.apply(list, items.map(function (item) {
          var option = document.createElement("option");
          option.value = String(item.id);
          option.label = item.label;
          option.textContent = item.label;
          return option;
        }));
      }).catch(function () {});
    }, 200);
  });
});
document.querySelectorAll("input[data-select-all]").forEach(function (box) {
  box.addEventListener("change", function () {
    box.form.querySelectorAll("input[name=ids]").forEach(function (each) { each.checked = box.checked; });
  });
});
`;

function hashed(prefix: string, name: string, ext: string, text: string): string {
  return `${prefix}/static/${name}.${createHash('sha256').update(text).digest('hex').slice(0, 12)}.${ext}`;
}

/** The style sheet's path: hashed, so it is cached for a year and changes name when it changes. */
export function cssPath(prefix: string): string {
  return hashed(prefix, 'admin', 'css', ADMIN_CSS);
}

/** The script's path, hashed as the style sheet's. */
export function jsPath(prefix: string): string {
  return hashed(prefix, 'admin', 'js', ADMIN_JS);
}
