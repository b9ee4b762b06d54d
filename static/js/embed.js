/* LeadRelay inquiry form for any site:
     <script src="BASE/embed.js" data-form="KEY" async></script>
   inserts the form right after itself as an iframe of BASE/f/KEY, tells it the host page
   (so its utm_* and campaign parameters reach the lead) and lets it set its own height. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-form")) return;
  var base = new URL(script.src, location.href).origin;
  var params = new URLSearchParams({ host: location.href });
  if (document.referrer) params.set("ref", document.referrer);
  var frame = document.createElement("iframe");
  frame.src = base + "/f/" + encodeURIComponent(script.getAttribute("data-form")) + "?" + params;
  frame.title = script.getAttribute("data-title") || "Inquiry form";
  frame.setAttribute("allow", "geolocation");
  frame.style.cssText = "display:block;width:100%;max-width:100%;height:900px;border:0;overflow:hidden";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== base || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "leadrelay:height" && typeof data.height === "number") {
      frame.style.height = Math.min(Math.max(Math.round(data.height), 150), 20000) + "px";
    } else if (data.type === "leadrelay:done") {
      var top = frame.getBoundingClientRect().top;
      if (top < 0) frame.scrollIntoView({ block: "start" });
    }
  });
})();
