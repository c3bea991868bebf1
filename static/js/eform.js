/* E-form progressive enhancement. Every page works without this file; it only
   - shows and hides fields with a show_if condition as the citizen answers,
   - tells the server that the citizen saw those changes live (input "_js"),
   - moves focus to the error summary,
   - stops a second click from sending a form again. */
(function () {
  "use strict";

  function valuesOf(form, name) {
    var values = [];
    var inputs = form.querySelectorAll("[name]");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.name !== name) continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      values.push(el.value);
    }
    return values;
  }

  function holds(condition, values) {
    var value = values.length ? values[0] : "";
    if (Object.prototype.hasOwnProperty.call(condition, "equals")) {
      return value === String(condition.equals);
    }
    if (Object.prototype.hasOwnProperty.call(condition, "in")) {
      return condition["in"].map(String).indexOf(value) !== -1;
    }
    return (value.trim() !== "") === Boolean(condition.filled);
  }

  function refresh(form) {
    var dependents = form.querySelectorAll("[data-show-if-name]");
    for (var i = 0; i < dependents.length; i++) {
      var el = dependents[i];
      var condition;
      try {
        condition = JSON.parse(el.getAttribute("data-show-if"));
      } catch (e) {
        continue;
      }
      el.hidden = !holds(condition, valuesOf(form, el.getAttribute("data-show-if-name")));
    }
  }

  function enhanceEform(form) {
    var marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "_js";
    marker.value = "1";
    form.appendChild(marker);
    form.addEventListener("change", function () { refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
    refresh(form);
  }

  function submitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent") === "1") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
      window.setTimeout(function () { form.removeAttribute("data-sent"); }, 8000);
    });
  }

  var forms = document.querySelectorAll("form[data-eform]");
  for (var i = 0; i < forms.length; i++) enhanceEform(forms[i]);
  var once = document.querySelectorAll("form[data-submit-once]");
  for (var j = 0; j < once.length; j++) submitOnce(once[j]);
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
