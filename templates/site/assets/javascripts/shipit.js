// shipit's small additions to the handoff site (offline; no request leaves the page).
(function () {
  // The search box is a dialog: give it a name (axe-core: aria-dialog-name).
  function nameSearch() {
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute('aria-label')) dialog.setAttribute('aria-label', 'Search this handoff site');
  }
  // Printing shows what collapsed details hold (the migration plan, long expressions).
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('.md-typeset details').forEach(function (d) { d.setAttribute('open', ''); });
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', nameSearch);
  else nameSearch();
})();
