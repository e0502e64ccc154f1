// The "Share / embed" dialog: a link to this view, the iframe snippet of the chrome-less /embed
// map, and the XYZ MVT and PNG URL templates and TileJSON URL of the layer shown.

import { tileJsonUrl, tileUrl } from './layers.js';
import { stateQuery } from './state.js';

/** The /embed URL for a state and a map position (#zoom/lat/lng). */
export function embedUrl(origin, state, hash) {
  const q = new URLSearchParams({ layer: state.area, metric: state.metric, from: state.from, to: state.to });
  if (state.drug) q.set('drug', state.drug);
  if (state.fatal) q.set('fatal', state.fatal);
  return `${origin}/embed?${q}${hash || ''}`;
}

export function shareLinks(origin, state, hash) {
  const embed = embedUrl(origin, state, hash);
  return {
    link: `${origin}/?${stateQuery(state)}${hash || ''}`,
    iframe: `<iframe src="${embed.replaceAll('&', '&amp;')}" width="800" height="500" style="border:0" title="GeoOrs map: ${state.area}" loading="lazy"></iframe>`,
    mvt: tileUrl(origin, state.area, state),
    png: tileUrl(origin, state.area, state, 'png', { metric: state.metric }),
    tilejson: tileJsonUrl(origin, state.area, state, { metric: state.metric }),
  };
}

export function openShare(ui, origin, state) {
  const links = shareLinks(origin, state, location.hash);
  ui.shareLink.value = links.link;
  ui.shareIframe.value = links.iframe;
  ui.shareMvt.value = links.mvt;
  ui.sharePng.value = links.png;
  ui.shareTilejson.value = links.tilejson;
  ui.shareDialog.showModal();
}

export function wireCopyButtons(root) {
  root.addEventListener('click', async event => {
    const button = event.target.closest('button[data-copy]');
    if (!button) return;
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
  });
}
