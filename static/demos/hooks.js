// JS hooks of the demo pages. liveview.js hands window.liveviewHooks to LiveSocket, so a
// hook only has to be defined there before (or after) the bundle loads.
(function () {
  "use strict";
  const hooks = (window.liveviewHooks = window.liveviewHooks || {});
  const SVG = "http://www.w3.org/2000/svg";
  const HEIGHT = 120;

  // A bar chart: asks the server for its points (pushEvent + reply), redraws when the
  // server pushes "points" (push_event), and asks for a bar's value when it is clicked.
  hooks.BarChart = {
    mounted() {
      this.pushEvent("chart-ready", {}, (reply) => this.draw(reply.points));
      this.handleEvent("points", ({points}) => this.draw(points));
    },

    draw(points) {
      const width = Number(this.el.dataset.barWidth) || 24;
      const max = Math.max(1, ...points);
      const svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("width", String(points.length * (width + 4)));
      svg.setAttribute("height", String(HEIGHT));
      points.forEach((value, index) => {
        const height = Math.round((value / max) * (HEIGHT - 10));
        const bar = document.createElementNS(SVG, "rect");
        bar.setAttribute("class", "bar");
        bar.setAttribute("x", String(index * (width + 4)));
        bar.setAttribute("y", String(HEIGHT - height));
        bar.setAttribute("width", String(width));
        bar.setAttribute("height", String(height));
        bar.dataset.index = String(index);
        bar.addEventListener("click", () => this.showValue(index));
        svg.appendChild(bar);
      });
      this.el.replaceChildren(svg);
    },

    showValue(index) {
      this.pushEvent("bar-clicked", {index}, (reply) => {
        const out = document.getElementById("bar-value");
        out.textContent = reply.error ? reply.error : `Bar ${index + 1}: ${reply.value}`;
      });
    },
  };

  // The JS commands demo dispatches "demos:announce" (JS.dispatch) to its panel; it bubbles.
  window.addEventListener("demos:announce", (e) => {
    const out = document.getElementById("announcement");
    if (out) out.textContent = e.detail.text;
  });

  // Any script can listen as well: push_event("points") is the window event "phx:points".
  window.addEventListener("phx:points", () => {
    const counter = document.getElementById("pushed-count");
    if (counter) counter.textContent = String(Number(counter.textContent) + 1);
  });
})();
