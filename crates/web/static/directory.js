// Sensate: the therapist search. Progressive enhancement only: without this
// file (or without JavaScript) the search is a plain form and plain links.
//
// 1. "Use my location": asks the browser for the visitor's position and puts
//    it, rounded to two decimals (about a kilometre), into the search form as
//    `lat` and `lon`. The position goes into that search request and nowhere
//    else; nothing is kept in the browser or on the server.
// 2. The browser's time zone goes into the form's `tz` field (when none was
//    chosen), so the next search shows free times in the visitor's zone.
// 3. After a results page link updated the results in place, focus moves to
//    the results heading, so keyboard and screen-reader users continue there.
// 4. The filters sit beside the results on a wide screen and fold behind
//    "Filters" on a phone (without this file they start folded everywhere).
(function () {
  'use strict';

  const form = document.querySelector('form.directory-filters');
  if (!form) return;

  const tools = document.getElementById('location-tools');
  const button = document.getElementById('use-location');
  const status = document.getElementById('location-status');
  const near = document.getElementById('near');
  const sort = document.getElementById('sort');

  // Beside the results (a wide screen) the filters are open; on a phone
  // they fold behind "Filters" so the results come first.
  const panel = document.getElementById('filter-panel');
  const wide = window.matchMedia('(min-width: 60rem)');
  function fitPanel() {
    if (panel) panel.open = wide.matches;
  }
  fitPanel();
  wide.addEventListener('change', fitPanel);
  // On a phone, searching folds the filters away to show the results.
  form.addEventListener('submit', () => {
    if (panel && !wide.matches) panel.open = false;
  });

  const zoneField = document.getElementById('tz');
  if (zoneField && !zoneField.value && window.Intl) {
    zoneField.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function locationFields() {
    return form.querySelectorAll('input[type="hidden"][name="lat"], input[type="hidden"][name="lon"]');
  }

  function forgetLocation() {
    locationFields().forEach((field) => field.remove());
    const note = document.getElementById('location-note');
    if (note) note.remove();
  }

  function setField(name, value) {
    let field = form.querySelector(`input[type="hidden"][name="${name}"]`);
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = name;
      form.appendChild(field);
    }
    field.value = value;
  }

  function search() {
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  if (tools && button && 'geolocation' in navigator) {
    tools.hidden = false;
    button.addEventListener('click', () => {
      button.disabled = true;
      say('Asking your browser for your location…');
      navigator.geolocation.getCurrentPosition(
        (position) => {
          button.disabled = false;
          setField('lat', position.coords.latitude.toFixed(2));
          setField('lon', position.coords.longitude.toFixed(2));
          if (near) near.value = '';
          if (sort) sort.value = 'distance';
          say('Searching near your location, nearest first. Type a ZIP code or city to search somewhere else.');
          search();
        },
        (error) => {
          button.disabled = false;
          if (error && error.code === 1) {
            say('Your browser did not share your location. You can type a ZIP code or city instead.');
          } else {
            say('Your location could not be found just now. You can try again, or type a ZIP code or city instead.');
          }
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
      );
    });
  }

  // A place typed by hand replaces the browser's position.
  if (near) {
    near.addEventListener('input', () => {
      if (locationFields().length > 0) {
        forgetLocation();
        say('');
      }
    });
  }

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

// 5. On a profile opened from the results, "Back to the search" returns to
//    that search with its filters (the previous page), not an empty one.
//    Nothing is stored: the browser's own history holds the search.
(function () {
  'use strict';
  const back = document.querySelector('a[data-back-to-search]');
  if (!back || new URLSearchParams(window.location.search).get('from') !== 'search') return;
  back.addEventListener('click', function (event) {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
