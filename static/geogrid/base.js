/* What every page's inline handlers did, as a file (the Content-Security-Policy allows no inline
   code): a <select data-autosubmit> sends its form when changed (the language switch); a
   [data-print] button prints the page. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-autosubmit]")) e.target.form.submit();
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
  });
})();
