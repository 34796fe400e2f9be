// Live character count of an entry's text, counted as the server counts it: every character
// except spaces and line breaks (字数). No library, nothing loaded from elsewhere.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-character-count]").forEach(function (area) {
    var limit = parseInt(area.dataset.limit || "0", 10);
    var out = document.createElement("p");
    out.className = "character-count";
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    function update() {
      var count = area.value.replace(/\s+/g, "").length;
      out.textContent = count + " / " + limit;
      out.classList.toggle("over", limit > 0 && count > limit);
    }
    area.addEventListener("input", update);
    update();
  });
});
