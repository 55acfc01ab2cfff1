// Sensate: the therapist search. Progressive enhancement only: without this
// file (or without JavaScript) the search is a plain form and plain links.
//
// After a results page link updated the results in place, focus moves to the
// results heading, so keyboard and screen-reader users continue there.
(function () {
  'use strict';

  const form = document.querySelector('form.directory-filters');
  if (!form) return;

  // A results page link replaced itself: give focus a sensible place.
  document.body.addEventListener('htmx:afterSettle', (event) => {
    const target = event.detail && event.detail.target;
    if (!target || target.id !== 'search-results') return;
    const active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) {
      const heading = document.getElementById('results-title');
      if (heading) heading.focus();
    }
  });
})();
