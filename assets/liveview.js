// Bootstrap for the official Phoenix LiveView client, bundled by `npm run build`
// into liveview/static/liveview/liveview.js (served by Django staticfiles).
//
// Hooks and uploaders: define them on `window.liveviewHooks` / `window.liveviewUploaders`
// in any script on the page (this bundle is loaded with `defer`, so inline scripts run
// first). The bundle brings the uploader "S3" (presigned POST, see docs/uploads.md). The same objects are handed to LiveSocket, so hooks added later still apply
// to elements mounted afterwards. See docs/navigation.md ("Your JavaScript: push_event and hooks").
import {Socket} from "phoenix"
import {LiveSocket} from "phoenix_live_view"

// Options rendered by {% liveview_script %} on this script's own tag (read now: currentScript
// is only set while the script runs, not in the DOMContentLoaded callback).
const scriptTag = document.currentScript
const tagOptions = {}
const fallbackMs = scriptTag && Number(scriptTag.dataset.longpollFallbackMs)
// Falls back to LongPoll (/live/longpoll) when the websocket has not opened in time; the
// client remembers the choice for the tab's session (sessionStorage).
if (fallbackMs > 0) { tagOptions.longPollFallbackMs = fallbackMs }

const hooks = (window.liveviewHooks = window.liveviewHooks || {})
const uploaders = (window.liveviewUploaders = window.liveviewUploaders || {})

// The code S3 puts in an XML error body (<Error><Code>EntityTooLarge</Code>...), if any.
function storageErrorCode(xhr) {
  const match = /<Code>([^<]{1,80})<\/Code>/.exec(xhr.responseText || "")
  return match ? match[1] : `HTTP ${xhr.status}`
}

// Direct-to-S3 uploads: the meta of an external entry (liveview.S3PresignedPost) is
// {uploader: "S3", url, fields}. The file goes to `url` as a form POST, the presigned fields
// first and the file last (S3 ignores fields after the file); the storage checks the signed
// policy (key, type, size, expiry). Progress and the storage's refusal (its error code) go
// back to the view as entry.progress(n) / entry.error(reason).
function s3Uploader(entries, onViewError) {
  entries.forEach((entry) => {
    const {url, fields} = entry.meta
    const form = new FormData()
    Object.entries(fields || {}).forEach(([name, value]) => form.append(name, value))
    form.append("file", entry.file)
    const xhr = new XMLHttpRequest()
    onViewError(() => xhr.abort())
    entry.onCancel(() => xhr.abort())
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        const percent = Math.floor((event.loaded / event.total) * 100)
        if (percent < 100) { entry.progress(percent) }
      }
    })
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        entry.progress(100)
      } else {
        entry.error(storageErrorCode(xhr))
      }
    }
    xhr.onerror = () => entry.error("network error")
    xhr.open("POST", url, true)
    xhr.send(form)
  })
}
// A page may define its own "S3" (window.liveviewUploaders.S3) before this bundle runs.
if (!uploaders.S3) { uploaders.S3 = s3Uploader }

function csrfToken() {
  const meta = document.querySelector("meta[name='csrf-token']")
  return meta ? meta.getAttribute("content") : null
}

// The fallback is for networks that block websockets. Once a websocket has opened on this page,
// a lost connection is a server restart or a network change, not a blocking proxy: reconnect
// over websockets. (The client would otherwise switch every tab connected at a deploy to long
// polling for the rest of its life.) A websocket that opens but carries nothing still falls
// back within this attempt: the client's own timer for it is already running.
function keepWorkingWebsocket(liveSocket) {
  const socket = liveSocket.getSocket()
  if (!socket.longPollFallbackMs) { return }
  socket.onOpen(() => {
    if (socket.transport !== socket.getLongPollTransport()) { socket.longPollFallbackMs = null }
  })
}

function start() {
  const options = window.liveviewOptions || {}
  const liveSocket = new LiveSocket(options.path || "/live", Socket, {
    ...tagOptions,
    ...options,
    params: {_csrf_token: csrfToken()},
    hooks,
    uploaders,
  })
  keepWorkingWebsocket(liveSocket)
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
