// htmx requests carry the antiforgery token from the layout's meta tag.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["RequestVerificationToken"] = meta.getAttribute("content");
  }
});
