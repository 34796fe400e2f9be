// A little progressive enhancement; every page works without it.
"use strict";

// <select data-autosubmit="other-field">: on change, clear the dependent field and submit the
// form (the public register's district narrows its street list).
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-autosubmit]");
  if (!select || !select.form) return;
  const dependent = select.form.elements[select.dataset.autosubmit];
  if (dependent) dependent.value = "";
  select.form.requestSubmit();
});

// Bring the first field with an error into view and focus it.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (invalid) {
    invalid.focus({ preventScroll: true });
    invalid.scrollIntoView({ block: "center" });
  }
});
