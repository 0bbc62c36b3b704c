// A job's live events: the WebSocket /api/workflows/{job_id}/stream, resumed after a
// dropped connection from the last sequence number seen (?after=SEQ). While the socket is
// down, and where the server has no stream, the page polls the REST API instead; when the
// polling sees the job finish, one last connection fetches the events missed meanwhile
// (the server sends them, then the final one, and closes).
import { token } from "./api.js";

const FINAL = new Set(["job_completed", "job_failed", "job_cancelled"]);

export class JobStream {
  /** onMessage(message) for each event; onPoll() when the page should re-read the job. */
  constructor(jobID, { onMessage, onPoll, onState }) {
    this.jobID = jobID;
    this.onMessage = onMessage;
    this.onPoll = onPoll;
    this.onState = onState || (() => {});
    this.after = 0;
    this.retries = 0;
    this.closed = false;
    this.finished = false;
    this.ending = false;
    this.socket = null;
    this.pollTimer = null;
    this.retryTimer = null;
  }

  start() {
    this.connect();
  }

  connect() {
    if (this.closed || this.finished) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ token: token() || "" });
    if (this.after > 0) query.set("after", String(this.after));
    let opened = false;
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/api/workflows/${this.jobID}/stream?${query}`);
    } catch {
      this.lost(false);
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      opened = true;
      this.retries = 0;
      this.stopPolling();
      this.onState("live");
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message.seq === "number") {
        if (message.seq <= this.after) return; // seen before a reconnect
        this.after = message.seq;
      }
      this.onMessage(message);
      if (FINAL.has(message.type)) this.finished = true;
    });
    socket.addEventListener("close", () => {
      if (this.socket === socket) this.socket = null;
      this.lost(opened);
    });
  }

  /** The socket closed, or could not be made: the end, or a drop to recover from. */
  lost(wasOpen) {
    if (this.closed) return;
    if (this.finished || this.ending) {
      this.finished = true;
      this.onState("done");
      return;
    }
    this.dropped(wasOpen);
  }

  dropped(wasOpen) {
    this.onState(wasOpen ? "reconnecting" : "polling");
    this.startPolling();
    this.retries += 1;
    // Back off up to 15 s; a server without the stream is asked again now and then.
    const delay = Math.min(15000, 1000 * 2 ** Math.min(this.retries - 1, 4));
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPolling() {
    if (this.pollTimer || this.closed) return;
    const tick = async () => {
      await this.onPoll();
      if (!this.closed && this.pollTimer !== null) this.pollTimer = setTimeout(tick, 1500);
    };
    this.pollTimer = setTimeout(tick, 0);
  }

  stopPolling() {
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  /** The job finished (seen by polling): no more polling, and no reconnects after one last
   * connection that catches up (none is needed while the socket is open). */
  finish() {
    if (this.finished || this.ending) return;
    this.ending = true;
    clearTimeout(this.retryTimer);
    this.stopPolling();
    if (!this.socket) this.connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopPolling();
    if (this.socket) this.socket.close(1000);
  }
}
