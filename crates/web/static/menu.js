// On narrow screens the main menu folds behind a "Menu" button. Without
// this script the button stays hidden and the menu is simply shown.
(() => {
  const button = document.querySelector('.menu-toggle');
  const menu = document.getElementById('site-menu');
  if (!button || !menu) return;
  document.documentElement.classList.add('menu-folds');
  button.hidden = false;
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    menu.classList.toggle('is-open', open);
    if (open) menu.querySelector('a, button')?.focus();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
      button.setAttribute('aria-expanded', 'false');
      menu.classList.remove('is-open');
      button.focus();
    }
  });
})();
