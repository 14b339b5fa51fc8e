// The counts beside the navigation's entries: how many conflicts and refused changes are
// open, the `total` of a one-item page of each list (the server counts; the page adds
// nothing). Shown after sign-in, at each new route and after a page settles something;
// a count the server does not give (an error) is left blank.
import {load} from '/console/api.js';

const kCounted = {
  conflicts: '/v1/office/conflicts?status=open&limit=1',
  refused: '/v1/office/refused?state=open&limit=1',
};

export async function showCounts() {
  await Promise.all(Object.entries(kCounted).map(async ([name, path]) => {
    const badge = document.querySelector(`#nav [data-count="${name}"]`);
    if (!badge) return;
    const {data} = await load(path);
    const total = data?.total;
    badge.textContent = total ? String(total) : '';
    badge.dataset.value = total ?? '';
    badge.hidden = !total;
  }));
}
