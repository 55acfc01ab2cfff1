// Sensate: long lists of checkboxes (languages, concerns, insurers) in the
// profile editor. Progressive enhancement only: without this file every
// box is on the page, in a scrolling list. With it, each list gets a field
// that narrows it as one types, and a line that says what is chosen, so
// nobody scrolls through fifty languages to find the two they speak.
(function () {
  'use strict';

  document.querySelectorAll('.checklist[data-find]').forEach((list, n) => {
    const items = Array.from(list.querySelectorAll('.check'));
    if (items.length < 8) return;

    const field = document.createElement('div');
    field.className = 'field checklist-find';
    const id = `checklist-find-${n}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = list.dataset.find;
    const input = document.createElement('input');
    input.type = 'search';
    input.id = id;
    input.autocomplete = 'off';
    const chosen = document.createElement('p');
    chosen.className = 'hint checklist-chosen';
    chosen.id = `${id}-chosen`;
    chosen.setAttribute('aria-live', 'polite');
    input.setAttribute('aria-describedby', chosen.id);
    field.append(label, input, chosen);
    list.before(field);

    const nameOf = (item) => (item.querySelector('label')?.textContent || '').trim();
    function sayChosen() {
      const names = items.filter((item) => item.querySelector('input')?.checked).map(nameOf);
      chosen.textContent = names.length === 0 ? 'None chosen.' : `Chosen: ${names.join(', ')}.`;
    }
    function narrow() {
      const words = input.value.trim().toLowerCase();
      items.forEach((item) => {
        item.hidden = words !== '' && !nameOf(item).toLowerCase().includes(words);
      });
    }
    input.addEventListener('input', narrow);
    // Enter in the field narrows; it must not send the whole form.
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') event.preventDefault();
    });
    list.addEventListener('change', sayChosen);
    sayChosen();
  });
})();
