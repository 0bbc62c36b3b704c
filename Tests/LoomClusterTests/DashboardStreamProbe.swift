/// Scripts run in the page to watch its WebSockets: every connection's URL and every message
/// it carried, and a switch that holds new connections (as a network that is down would)
/// until the test lets them through.
enum StreamProbe {
    static let install = """
        const probe = window.__loomProbe = { urls: [], messages: [], sockets: [], held: [], holding: false };
        const Native = window.WebSocket;
        const jobOf = (url) => ((url.match(/workflows\\/([0-9a-f-]+)\\/stream/i) || [])[1] || '').toLowerCase();
        function watch(socket, url) {
          socket.addEventListener('message', (event) => {
            const message = JSON.parse(event.data);
            probe.messages.push({ job: jobOf(url), seq: message.seq, type: message.type, status: message.status });
          });
          probe.sockets.push(socket);
          return socket;
        }
        class Held extends EventTarget {
          constructor(url) { super(); this.url = url; this.readyState = 0; this.real = null; }
          release() {
            if (this.readyState === 3) return;
            const real = this.real = watch(new Native(this.url), this.url);
            real.addEventListener('open', () => { this.readyState = 1; this.dispatchEvent(new Event('open')); });
            real.addEventListener('message', (event) => this.dispatchEvent(new MessageEvent('message', { data: event.data })));
            real.addEventListener('close', (event) => {
              this.readyState = 3;
              this.dispatchEvent(new CloseEvent('close', { code: event.code, reason: event.reason, wasClean: event.wasClean }));
            });
          }
          close(code, reason) {
            if (this.real) return this.real.close(code, reason);
            this.readyState = 3;
            this.dispatchEvent(new CloseEvent('close', { code: 1006 }));
          }
        }
        window.WebSocket = function (url, protocols) {
          probe.urls.push(String(url));
          if (probe.holding) {
            const held = new Held(String(url));
            probe.held.push(held);
            return held;
          }
          return watch(new Native(url, protocols), String(url));
        };
        return true
        """

    /// Holds new connections and closes the open ones; the seqs seen so far for job arguments[0].
    static let drop = """
        const probe = window.__loomProbe;
        probe.holding = true;
        for (const socket of probe.sockets) if (socket.readyState === 1) socket.close(4000, 'dropped by the test');
        return probe.messages.filter(m => m.job === arguments[0]).map(m => m.seq)
        """

    /// Lets the held connections through; how many there were.
    static let release = """
        const probe = window.__loomProbe;
        probe.holding = false;
        const held = probe.held.splice(0);
        held.forEach(socket => socket.release());
        return held.length
        """

    static let report = """
        const probe = window.__loomProbe;
        const messages = probe.messages.filter(m => m.job === arguments[0]);
        return {
          urls: probe.urls.filter(url => url.toLowerCase().includes(arguments[0])),
          seqs: messages.map(m => m.seq),
          completedNodes: messages.filter(m => m.type === 'node_status' && m.status === 'completed').length,
        }
        """
}
