// Sensate: the self-check ("Is sex therapy right for me?"). Progressive
// enhancement only: without JavaScript the page is a plain search form plus
// guidance that is always shown.
//
// Everything here happens in the browser. No answer is sent anywhere, kept
// in storage or written to a cookie. The only thing that ever leaves the page
// is the link to the therapist search, which carries the search filters
// (concern, couples, format, state, ZIP code) and nothing else: the answers
// about safety and health are not part of it.
(function () {
  'use strict';

  const form = document.getElementById('self-check-form');
  const summary = document.getElementById('self-check-summary');
  const advice = document.getElementById('self-check-advice');
  const link = document.getElementById('self-check-link');
  const submit = document.getElementById('self-check-submit');
  const traumaAdvice = document.getElementById('trauma-advice');
  if (!form || !summary || !advice || !link) return;

  // The only answers that become part of the link.
  const FILTERS = ['concerns', 'focus', 'format', 'state', 'near'];

  function checked(name) {
    const input = document.querySelector(`input[type="radio"][name="${name}"]:checked`);
    return input ? input.value : '';
  }

  function selected(id) {
    const select = document.getElementById(id);
    if (!select || !select.value) return null;
    return { value: select.value, label: select.options[select.selectedIndex].textContent };
  }

  function filterValue(name) {
    const field = form.elements.namedItem(name);
    if (!field) return '';
    // A radio group is a RadioNodeList whose value is the checked radio's.
    return String(field.value || '').trim();
  }

  function searchLink() {
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const value = filterValue(name);
      if (value && !(name === 'format' && value === 'any')) params.set(name, value);
    }
    const query = params.toString();
    return query ? `/therapists?${query}` : '/therapists';
  }

  function paragraph(text, className) {
    const p = document.createElement('p');
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  function update() {
    const lines = [];
    const safety = checked('safety');
    const checkup = checked('checkup');
    const concern = selected('concerns');
    const state = selected('state');
    const format = filterValue('format');
    const couples = filterValue('focus') === 'couples';
    const zip = filterValue('near');

    if (safety === 'yes') {
      lines.push(paragraph(
        'You said you may be in danger or in crisis. Please get help now: call 911 or your local emergency number, ' +
          'or call or text 988. Sex therapy is not an emergency service; it can help later, when you are safe.',
        'advice-urgent',
      ));
    }
    if (checkup === 'not-yet') {
      lines.push(paragraph(
        'See a physician about your physical symptoms as well, alongside therapy. A therapist can also refer you.',
      ));
    } else if (checkup === 'yes') {
      lines.push(paragraph('Bring what you learned at your check-up to your first session.'));
    }
    const trauma = concern && concern.value === 'sexual-trauma';
    if (traumaAdvice) traumaAdvice.hidden = !trauma;
    if (trauma) {
      lines.push(paragraph(
        'Look for a therapist who works in a trauma-informed way, at a pace that feels safe. ' +
          'Some people work on trauma first, sometimes in individual therapy.',
      ));
    }
    if (couples) {
      lines.push(paragraph('Many therapists see couples together, each partner alone, or a mix of both.'));
    }
    if (format === 'telehealth' && !state) {
      lines.push(paragraph('Choose your state, so the search shows only therapists licensed where you are.'));
    }
    if (format === 'in_person' && !zip) {
      lines.push(paragraph('Add your ZIP code, so the search can find offices near you.'));
    }

    const wanted = [];
    if (concern) wanted.push(concern.label);
    if (couples) wanted.push('sees couples');
    if (format === 'telehealth') wanted.push('by video');
    if (format === 'in_person') wanted.push(zip ? `in person near ${zip}` : 'in person');
    if (state) wanted.push(`in ${state.label}`);
    lines.push(paragraph(
      wanted.length > 0
        ? `The search will look for: ${wanted.join(' · ')}.`
        : 'The search will show every listed therapist; you can narrow it down there.',
    ));

    advice.replaceChildren(...lines);
    link.href = searchLink();
  }

  summary.hidden = false;
  if (submit) submit.hidden = true;
  // Enter in the ZIP code field: follow the same link, with the filters only.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    update();
    window.location.assign(link.href);
  });
  // The advice follows each answer; typing only changes the link, so that
  // screen readers are not interrupted at every keystroke.
  document.addEventListener('change', update);
  document.addEventListener('input', () => {
    link.href = searchLink();
  });
  update();
})();
