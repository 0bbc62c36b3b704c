// Admin (admin token): workers with slots, heartbeats and TLS identities, drain and undrain; the queue;
// users, with new users and credits.
import { get, itemsOf, post } from "../api.js";
import { badge, clear, errorBox, formatDate, formatDuration, h, secondsBetween, section, shortID, toast } from "../dom.js";
import { currentUser } from "../main.js";

const QUEUE_ORDER = ["pending", "queued", "running", "completed", "failed", "cancelled"];

/** A worker's address as NIO describes a peer ("[IPv4]127.0.0.1/127.0.0.1:58720") made short. */
function hostName(host) {
  const match = /^\[IPv[46]\][^/]*\/(.+)$/.exec(host || "");
  return match ? match[1] : host || "—";
}

export function renderAdmin(main) {
  const user = currentUser();
  if (!user || !user.is_admin) {
    main.append(h("div", { class: "notice notice-error", role: "alert" }, "The admin pages need an admin token."));
    return null;
  }
  const workers = h("div", { id: "workers" }, h("p", { class: "muted" }, "Loading…"));
  const queue = h("div", { id: "queue" });
  const users = h("div", { id: "users" });
  main.append(h("div", { class: "page-head" }, h("h1", null, "Admin")),
    section("Workers", workers), section("Queue", queue), section("Users", users));

  let timer = null;
  let stopped = false;

  async function loadQueue() {
    try {
      const data = await get("/api/admin/queue");
      clear(queue).append(h("div", { class: "tiles" }, QUEUE_ORDER.map((status) => h("div", { class: "tile", dataset: { status } },
        h("div", { class: "tile-value" }, String(data.counts[status] ?? 0)), badge(status)))),
      h("p", { class: "muted small" }, data.oldest_queued_seconds !== null && data.oldest_queued_seconds !== undefined
        ? `The oldest queued job has waited ${formatDuration(data.oldest_queued_seconds)}.` : "Nothing is waiting."));
    } catch (error) {
      clear(queue).append(errorBox(error));
    }
  }

  async function loadWorkers() {
    let list;
    try {
      list = await get("/api/admin/workers");
    } catch (error) {
      if (error.status === 404) {
        clear(workers).append(h("div", { class: "notice", id: "workers-unavailable" },
          h("strong", null, "Not available. "), "This coordinator does not manage workers through the API yet."));
        return false;
      }
      clear(workers).append(errorBox(error));
      return true;
    }
    const items = itemsOf(list);
    if (!items.length) {
      clear(workers).append(h("p", { class: "muted" }, "No workers are connected."));
      return true;
    }
    clear(workers).append(h("div", { class: "table-scroll" }, h("table", { class: "table compact", id: "workers-table" },
      h("thead", null, h("tr", null, ["Worker", "Host", "Slots", "Running", "Heartbeat", "State", ""].map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", null, items.map((worker) => {
        const age = secondsBetween(worker.last_heartbeat_at);
        const draining = worker.state === "draining";
        return h("tr", { dataset: { instanceId: worker.instance_id } },
          h("td", null, worker.name, h("div", { class: "mono muted small" }, shortID(worker.instance_id))),
          h("td", { class: "mono small" }, hostName(worker.host),
            worker.certificate_identity ? h("div", { class: "muted", title: "TLS client certificate" }, worker.certificate_identity) : null),
          h("td", { class: "num" }, String(worker.slots)),
          h("td", { class: "num" }, String(Array.isArray(worker.running_jobs) ? worker.running_jobs.length : worker.running_jobs ?? 0)),
          h("td", { title: formatDate(worker.last_heartbeat_at) }, age === null ? "—" : `${formatDuration(age)} ago`),
          h("td", null, badge(worker.state)),
          h("td", null, worker.state === "gone" ? null : h("button", {
            type: "button", class: "small", onclick: () => drain(worker, !draining),
          }, draining ? "Undrain" : "Drain")));
      })))));
    return true;
  }

  async function drain(worker, on) {
    try {
      await post(`/api/admin/workers/${worker.instance_id}/${on ? "drain" : "undrain"}`);
      toast(`${worker.name} is ${on ? "draining: it finishes its jobs and takes no new ones" : "taking jobs again"}.`);
      loadWorkers();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function loadUsers() {
    try {
      const list = itemsOf(await get("/api/admin/users?limit=200"));
      const name = h("input", { id: "new-user-name", type: "text", required: true, placeholder: "name", "aria-label": "New user's name" });
      const credits = h("input", { id: "new-user-credits", type: "number", min: "0", step: "1", placeholder: "credits", "aria-label": "Starting credits" });
      const admin = h("input", { id: "new-user-admin", type: "checkbox" });
      const created = h("div", { role: "status" });
      const form = h("form", { class: "row", id: "new-user" }, name, credits,
        h("label", { class: "check", for: "new-user-admin" }, admin, "admin"),
        h("button", { type: "submit" }, "Create user"));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const body = { name: name.value.trim(), is_admin: admin.checked };
          if (credits.value !== "") body.credits = Number(credits.value);
          const result = await post("/api/admin/users", body);
          await loadUsers();
          users.append(h("div", { class: "notice notice-ok" }, `Created ${result.user.name}. Their token, shown only now: `,
            h("code", { class: "secret" }, result.token)));
        } catch (error) {
          toast(error.message, "error");
        }
      });
      clear(users).append(h("table", { class: "table", id: "users-table" },
        h("thead", null, h("tr", null, ["Name", "Role", "Credits", "Id", "Grant credits"].map((title) => h("th", { scope: "col" }, title)))),
        h("tbody", null, list.map((item) => h("tr", null,
          h("td", null, item.name),
          h("td", null, item.is_admin ? "admin" : "user"),
          h("td", { class: "num" }, item.credits.toLocaleString()),
          h("td", { class: "mono small" }, shortID(item.id)),
          h("td", null, grantForm(item)))))),
      h("h3", null, "New user"), form, created);
    } catch (error) {
      clear(users).append(errorBox(error));
    }
  }

  function grantForm(item) {
    const amount = h("input", { type: "number", step: "1", placeholder: "±", class: "narrow", "aria-label": `Credits to grant ${item.name}` });
    const form = h("form", { class: "inline" }, amount, h("button", { type: "submit", class: "small" }, "Apply"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!amount.value) return;
      try {
        await post(`/api/admin/users/${item.id}/credits`, { amount: Number(amount.value) });
        toast(`Credits of ${item.name} changed by ${amount.value}.`);
        loadUsers();
      } catch (error) {
        toast(error.message, "error");
      }
    });
    return form;
  }

  async function refresh() {
    await loadQueue();
    const again = await loadWorkers();
    if (!stopped) timer = setTimeout(refresh, again ? 5000 : 15000);
  }

  refresh();
  loadUsers();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
