// Booking: show free times in the visitor's own time zone. When the page
// was opened without a chosen zone, the browser's zone is chosen and the
// times are shown again. The zone stays in the address only; nothing is stored.
(function () {
  'use strict';
  var select = document.querySelector('select[data-detect-zone="true"]');
  if (!select || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || select.value === zone) return;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known) {
    var option = document.createElement('option');
    option.value = zone;
    option.textContent = zone.replace(/_/g, ' ');
    select.appendChild(option);
  }
  select.value = zone;
  select.form.submit();
})();

// Booking details: the partner's address is asked for only when a partner
// comes. Without this script the field is simply shown.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('[data-shown-with]'), function (field) {
    var box = document.getElementById(field.getAttribute('data-shown-with'));
    if (!box) return;
    var sync = function () {
      field.hidden = !box.checked;
    };
    box.addEventListener('change', sync);
    sync();
  });
})();
