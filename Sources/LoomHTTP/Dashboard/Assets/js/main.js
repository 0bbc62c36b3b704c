// The page's shell: who is signed in, the hash routes, and the view on screen.
import { get, setToken, token } from "./api.js";
import { clear, errorBox } from "./dom.js";
import { renderSignIn } from "./views/signin.js";
import { renderJobs } from "./views/jobs.js";
import { renderJob } from "./views/job.js";
import { renderWorkflows } from "./views/workflows.js";
import { renderCanvas } from "./views/canvas.js";
import { renderDatasets } from "./views/datasets.js";
import { renderDataset } from "./views/dataset.js";
import { renderAdmin } from "./views/admin.js";

const routes = [
  [/^#\/jobs\/([0-9a-f-]+)$/i, renderJob, "jobs"],
  [/^#\/jobs$/, renderJobs, "jobs"],
  [/^#\/workflows$/, renderWorkflows, "workflows"],
  [/^#\/canvas\/(new|[0-9a-f-]+)$/i, renderCanvas, "canvas"],
  [/^#\/datasets\/([0-9a-f-]+)$/i, renderDataset, "datasets"],
  [/^#\/datasets$/, renderDatasets, "datasets"],
  [/^#\/admin$/, renderAdmin, "admin"],
];

const main = document.getElementById("main");
let cleanup = null;
let me = null;

/** The signed-in user ({id, name, is_admin, credits}), refreshed by `refreshAccount`. */
export function currentUser() {
  return me;
}

export async function refreshAccount() {
  me = await get("/api/me");
  document.getElementById("account-name").textContent = me.name + (me.is_admin ? " (admin)" : "");
  document.getElementById("account-credits").textContent = `${me.credits.toLocaleString()} credits`;
  document.getElementById("nav-admin").hidden = !me.is_admin;
  return me;
}

function showChrome(signedIn) {
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("account").hidden = !signedIn;
}

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  clear(main);
  if (!token()) {
    showChrome(false);
    cleanup = renderSignIn(main, async () => {
      await refreshAccount();
      showChrome(true);
      if (location.hash === "#/jobs") route();
      else location.hash = "#/jobs";
    });
    return;
  }
  if (!me) {
    try {
      await refreshAccount();
    } catch (error) {
      if (error.status === 401) return; // the unauthorized handler signs out
      main.append(errorBox(error));
      return;
    }
  }
  showChrome(true);
  const hash = location.hash || "#/jobs";
  for (const [pattern, render, section] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    for (const link of document.querySelectorAll("#nav a")) {
      if (link.dataset.section === section) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    cleanup = render(main, ...match.slice(1)) || null;
    return;
  }
  location.replace("#/jobs");
}

function signOut() {
  setToken(null);
  me = null;
  if (location.hash !== "#/jobs") location.hash = "#/jobs"; // routes on hashchange
  else route();
}

document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("loom:unauthorized", () => {
  if (token() && me) signOut();
});
window.addEventListener("hashchange", route);
route();
