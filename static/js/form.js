/* The inquiry form's enhancements: everything works without them.
   Resize messages to the host page (origin-checked there), "Use my location",
   the nearby-dealer search, and the model list narrowed to the chosen product. */
(function () {
  "use strict";
  var main = document.querySelector("main[data-parent-origin]");
  var parentOrigin = main && main.getAttribute("data-parent-origin");

  function tellHeight() {
    if (!parentOrigin || window.parent === window) return;
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: "leadrelay:height", height: height }, parentOrigin);
  }
  if (parentOrigin && window.ResizeObserver) new ResizeObserver(tellHeight).observe(document.documentElement);
  window.addEventListener("load", tellHeight);
  if (document.getElementById("done") && parentOrigin && window.parent !== window) {
    window.parent.postMessage({ type: "leadrelay:done" }, parentOrigin);
  }
  var problems = document.getElementById("problems");
  if (problems) { problems.setAttribute("tabindex", "-1"); problems.focus(); }

  var form = document.querySelector("form[method=post]");
  if (!form) return;
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  Array.prototype.forEach.call(document.querySelectorAll(".nojs"), function (el) { el.hidden = true; });

  var field = function (name) { return form.elements[name]; };
  var dealers = field("preferred_dealer");
  var search = document.getElementById("dealer-search");
  var timer = null;

  function loadDealers() {
    if (!search || !dealers) return;
    var params = new URLSearchParams({ q: search.value, country: field("country").value });
    if (field("lat").value && field("lon").value) {
      params.set("lat", field("lat").value); params.set("lon", field("lon").value);
    } else {
      params.set("postal_code", field("postal_code").value);
    }
    fetch(search.getAttribute("data-url") + "?" + params, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) {
        var keep = dealers.value;
        while (dealers.options.length > 1) dealers.remove(1);
        data.items.forEach(function (dealer) {
          var option = new Option(dealer.name + ", " + dealer.town, dealer.code);
          option.selected = dealer.code === keep;
          dealers.add(option);
        });
      })
      .catch(function () {});
  }
  function soon() { clearTimeout(timer); timer = setTimeout(loadDealers, 300); }
  if (search) search.addEventListener("input", soon);
  field("postal_code").addEventListener("change", loadDealers);
  field("country").addEventListener("change", loadDealers);

  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (locate && !navigator.geolocation) locate.parentNode.hidden = true;
  if (locate) locate.addEventListener("click", function () {
    status.textContent = locate.getAttribute("data-busy");
    navigator.geolocation.getCurrentPosition(function (position) {
      field("lat").value = position.coords.latitude.toFixed(5);
      field("lon").value = position.coords.longitude.toFixed(5);
      status.textContent = locate.getAttribute("data-done");
      loadDealers();
    }, function () {
      status.textContent = locate.getAttribute("data-failed");
    }, { timeout: 10000, maximumAge: 600000 });
  });

  var group = field("product_group");
  var sku = field("sku");
  function narrowModels() {
    if (!sku) return;
    Array.prototype.forEach.call(sku.querySelectorAll("optgroup"), function (optgroup) {
      var shown = !group.value || optgroup.getAttribute("data-group") === group.value;
      optgroup.hidden = !shown; optgroup.disabled = !shown;
    });
    var chosen = sku.selectedOptions[0];
    if (chosen && chosen.parentNode.disabled) sku.value = "";
  }
  group.addEventListener("change", narrowModels);
  if (sku) sku.addEventListener("change", function () {
    var chosen = sku.selectedOptions[0];
    if (chosen && chosen.parentNode.tagName === "OPTGROUP") group.value = chosen.parentNode.getAttribute("data-group");
  });
  narrowModels();
})();
