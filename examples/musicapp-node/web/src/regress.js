// Only in the regress build: a promo banner that arrives late and pushes the
// page down (layout shift), synchronous "analytics" work that blocks the main
// thread (total blocking time), and a heavy dependency (bundle size).
import { vendorTable } from 'virtual:echotune-vendor';

function busy(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

setTimeout(() => {
  busy(450);
  const banner = document.createElement('div');
  banner.className = 'promo-banner';
  banner.textContent = 'Try EchoTune Premium';
  banner.dataset.vendorRows = String(vendorTable.length);
  document.body.insertBefore(banner, document.body.firstChild);
}, 250);
