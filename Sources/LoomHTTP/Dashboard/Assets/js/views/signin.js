// Sign in with an API token; it is kept in session storage (gone when the tab closes).
import { get, setToken } from "../api.js";
import { h } from "../dom.js";

export function renderSignIn(main, onSignedIn) {
  const input = h("input", {
    id: "token", name: "token", type: "password", autocomplete: "off", required: true,
    placeholder: "loom_…", "aria-describedby": "token-help",
  });
  const message = h("p", { class: "form-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "signin card", id: "signin-form" },
    h("h1", null, "Sign in to Loom"),
    h("label", { for: "token" }, "API token"),
    input,
    h("p", { id: "token-help", class: "muted" },
      "Paste a token from ", h("code", null, "loom admin create-user"), " or from an administrator. ",
      "It is kept for this tab only."),
    message,
    button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    setToken(input.value.trim());
    try {
      await get("/api/me");
      await onSignedIn();
    } catch (error) {
      setToken(null);
      message.textContent = error.status === 401 ? "That token is not valid, or it was revoked." : error.message;
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  input.focus();
}
