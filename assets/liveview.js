// Bootstrap for the official Phoenix LiveView client, bundled by `npm run build`
// into liveview/static/liveview/liveview.js (served by Django staticfiles).
//
// Hooks and uploaders: define them on `window.liveviewHooks` / `window.liveviewUploaders`
// in any script on the page (this bundle is loaded with `defer`, so inline scripts run
// first). The same objects are handed to LiveSocket, so hooks added later still apply
// to elements mounted afterwards. See docs/navigation.md ("Your JavaScript: push_event and hooks").
import {Socket} from "phoenix"
import {LiveSocket} from "phoenix_live_view"

const hooks = (window.liveviewHooks = window.liveviewHooks || {})
const uploaders = (window.liveviewUploaders = window.liveviewUploaders || {})

function csrfToken() {
  const meta = document.querySelector("meta[name='csrf-token']")
  return meta ? meta.getAttribute("content") : null
}

function start() {
  const options = window.liveviewOptions || {}
  const liveSocket = new LiveSocket(options.path || "/live", Socket, {
    ...options,
    params: {_csrf_token: csrfToken()},
    hooks,
    uploaders,
  })
  liveSocket.connect()
  // Exposed for debugging (liveSocket.enableDebug()) and for tests.
  window.liveSocket = liveSocket
  // Server-triggered JS commands: socket.exec_js(to, js) or (to, attr=...) pushes "js-exec";
  // each element matching `to` runs the commands (or those in its attribute `attr`) as if it
  // had been clicked. This is the push_event + execJS pattern of Phoenix's JS interop guide.
  window.addEventListener("phx:js-exec", ({detail}) => {
    document.querySelectorAll(detail.to).forEach((el) => {
      const commands = detail.attr ? el.getAttribute(detail.attr) : detail.js
      if (commands) {
        liveSocket.execJS(el, commands)
      } else {
        console.error(`liveview: exec_js found no attribute ${detail.attr} on`, el)
      }
    })
  })
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start)
} else {
  start()
}
