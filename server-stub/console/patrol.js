// The page Patrol: each route's round per day (GET /v1/office/patrol: its checkpoints in
// walking order, who checked in at each and when, in the estate's local time, and the
// checkpoints missed, highlighted), and the findings of a status and severity (the
// records listing, GET /v1/office/records/findings, every page of it), by deadline, the
// overdue ones marked as the office report counts them as of a day (GET
// /v1/office/today, its findings: open and overdue by severity, and the overdue list),
// each with its photos:
// the attachments of the finding (GET /v1/office/records/findings/<id>) shown as
// thumbnails read from /v1/office/attachments/<id> on this origin; a click shows one whole.
// Route: #/patrol?from=YYYY-MM-DD&to=YYYY-MM-DD&route=ID&as_of=YYYY-MM-DD&status=S&severity=S
// (the week to today, every route, overdue as of today, every status and severity when
// left out).
import {load, query} from '/console/api.js';
import {el, table} from '/console/dom.js';
import {choice, count, kNone} from '/console/format.js';
import {text, textParts} from '/console/i18n.js';
import {MorePager} from '/console/more_pager.js';
import {figure, Page, section} from '/console/page.js';

const kParams = ['from', 'to', 'route', 'as_of', 'status', 'severity'];
const kRoundsPerPage = 50;
const kFindingsPerPage = 500;
const kMostFindingPages = 20;  // 10,000 findings: more than an estate keeps open
const kPhotoLoads = 4;         // findings whose photos are asked for at once

// The local time of a time the server wrote in the estate's zone
// ("2026-11-28T09:00:00+08:00"): "09:00".
const clockOf = (at) => /T(\d{2}:\d{2})/.exec(at || '')?.[1] ?? kNone;

// By deadline (none last), then id: what the office rectifies first comes first.
function byDeadline(a, b) {
  const da = a.fields.deadline || '\uffff', db = b.fields.deadline || '\uffff';
  return da < db ? -1 : da > db ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class PatrolPage extends Page {
  titleKey = 'patrol.title';

  constructor(container, host) {
    super(container, host);
    this.pager = new MorePager(this, 'patrol-more');
    this.report = null;        // the report's findings as of the day: {as_of, findings}
    this.findings = null;      // the findings of the filters, by deadline
    this.choices = null;       // the values of the findings' fields, for the filters
    this.findingsCut = false;  // more than kMostFindingPages pages: not all shown
    this.photos = new Map();   // finding id -> its attachments ([]), once asked
    this.thumbs = new Map();   // attachment id -> its <img>, kept across drawings
    this.viewing = null;       // the attachment shown whole, or null
  }

  show(params) {
    this.params = Object.fromEntries(kParams.map((name) => [name, params.get(name) || '']));
    this.report = null;
    this.findings = null;
    this.findingsCut = false;
    this.photos.clear();
    this.viewing = null;
    return this.fetchAndRender(async () => {
      const generation = this.generation;
      const [rounds, today, findings] = await Promise.all([
        load(this.path({})),
        load(`/v1/office/today${query(this.params, ['as_of'])}`),
        this.loadFindings(),
      ]);
      if (generation !== this.generation) return rounds;
      if (rounds.status !== 200) return rounds;
      if (today.status !== 200) return today;
      if (findings.error) return findings;
      this.report = {as_of: today.data.report.as_of, findings: today.data.report.findings};
      this.findings = findings.items.sort(byDeadline);
      this.choices = findings.choices;
      this.loadPhotos(generation);
      return rounds;
    });
  }

  // A page of the rounds of the range and route chosen.
  path(extra) {
    return `/v1/office/patrol${query({...this.params, limit: kRoundsPerPage, ...extra}, [
      'from', 'to', 'route', 'limit', 'cursor'
    ])}`;
  }

  // Every page of the findings of the status and severity chosen.
  async loadFindings() {
    let cursor = null;
    let items = [];
    let choices = {};
    for (let pages = 0; pages < kMostFindingPages; ++pages) {
      const result = await load(
          `/v1/office/records/findings${query({...this.params, limit: kFindingsPerPage, cursor}, [
            'status', 'severity', 'limit', 'cursor'
          ])}`);
      if (result.error) return result;
      items = items.concat(result.data.items);
      choices = result.data.choices ?? {};
      cursor = result.data.next_cursor;
      if (!cursor) return {items, choices};
    }
    this.findingsCut = true;
    return {items, choices};
  }

  // The attachments of each finding shown, a few at a time; the page is drawn again as
  // they come.
  async loadPhotos(generation) {
    const waiting = this.findings.map((f) => f.id);
    const next = async () => {
      while (waiting.length > 0 && generation === this.generation) {
        const id = waiting.shift();
        const result = await load(`/v1/office/records/findings/${encodeURIComponent(id)}`);
        if (generation !== this.generation) return;
        this.photos.set(id, result.data?.attachments ?? []);
        this.render();
      }
    };
    await Promise.all(Array.from({length: kPhotoLoads}, next));
  }

  route(changes) { return `#/patrol${query({...this.params, ...changes}, kParams)}`; }

  controls() {
    const lang = this.lang;
    const d = this.data;
    const from = el('input', {
      type: 'date',
      name: 'from',
      id: 'patrol-from',
      value: this.params.from || d?.from || '',
    });
    const to = el(
        'input', {type: 'date', name: 'to', id: 'patrol-to', value: this.params.to || d?.to || ''});
    const routes = d?.routes ?? [];
    const route =
        el('select', {id: 'patrol-route', name: 'route'},
           el('option', {value: '', selected: this.params.route === ''},
              text(lang, 'patrol.route_all')),
           routes.map(
               (r) => el('option', {value: r.id, selected: r.id === this.params.route}, r.name)));
    route.addEventListener('change', () => {
      window.location.hash = this.route({route: route.value});
    });
    const submit = (event) => {
      event.preventDefault();
      window.location.hash = this.route({from: from.value, to: to.value});
    };
    return el(
        'form', {class: 'filters', id: 'patrol-form', onsubmit: submit},
        el('label', {}, el('span', {}, text(lang, 'patrol.from')), from),
        el('label', {}, el('span', {}, text(lang, 'patrol.to')), to),
        el('button', {type: 'submit'}, text(lang, 'today.show')),
        el('label', {}, el('span', {}, text(lang, 'patrol.route')), route));
  }

  draw() { return [this.rounds(), this.findingsPanel(), this.viewer()]; }

  rounds() {
    const lang = this.lang;
    const d = this.data;
    const rows = d.items.map(
        (r) => ({
          attributes: {
            class: r.missed > 0 ? 'round missed' : 'round',
            dataset: {route: r.route, date: r.date, missed: r.missed},
          },
          cells: [
            r.date, r.route_name, figure('round-checkins', count(r.checkins), r.checkins),
            figure('round-missed', count(r.missed), r.missed), this.checkpoints(r)
          ],
        }));
    return section(
        text(lang, 'patrol.rounds'),
        el('p', {class: 'report-heading'}, textParts(lang, 'patrol.rounds_heading', {
             from: figure('from', d.from, d.from),
             to: figure('to', d.to, d.to),
             total: figure('rounds', count(d.total), d.total),
             missed:
                 figure('rounds-with-missed', count(d.rounds_with_missed), d.rounds_with_missed),
           })),
        d.items.length === 0 ? el('p', {}, text(lang, 'patrol.no_routes')) :
                               table(
                                   [
                                     text(lang, 'patrol.day'), text(lang, 'patrol.route'),
                                     text(lang, 'patrol.checkins'), text(lang, 'patrol.missed'),
                                     text(lang, 'patrol.checkpoints')
                                   ],
                                   rows, {numeric: [2, 3], attributes: {id: 'patrol-rounds'}}),
        this.pager.footer(text(lang, 'patrol.shown', {shown: d.items.length, total: d.total})));
  }

  // A round's checkpoints in walking order: who checked in and when, or "missed".
  checkpoints(r) {
    const lang = this.lang;
    return el('ul', {class: 'checkpoints'}, r.checkpoints.map((p) => {
      const name = p.name || p.checkpoint;
      const seen = p.checkins.map((c) => text(lang, 'patrol.checked_in', {
                                    time: clockOf(c.at),
                                    who: c.patroller || kNone,
                                  }));
      return el(
          'li', {
            class: p.missed ? 'checkpoint missed' : 'checkpoint',
            dataset: {checkpoint: p.checkpoint, missed: p.missed},
            title: p.checkins.map((c) => c.at).join(', '),
          },
          el('span', {class: 'checkpoint-name'}, name), ' ',
          p.missed ? el('strong', {}, text(lang, 'patrol.missed_one')) :
                     el('span', {class: 'checkins'}, seen.join(text(lang, 'patrol.and'))),
          p.checkins.some((c) => c.condition === 'abnormal') ?
              el('span', {class: 'abnormal'}, ' ', text(lang, 'patrol.abnormal')) :
              null);
    }));
  }

  findingsPanel() {
    const lang = this.lang;
    const f = this.report.findings;
    const severity =
        el('select', {id: 'patrol-severity', name: 'severity'},
           el('option', {value: '', selected: this.params.severity === ''},
              text(lang, 'patrol.severity_all')),
           (this.choices.severity ?? [])
               .map(
                   (s) =>
                       el('option', {value: s, selected: s === this.params.severity},
                          choice(lang, 'severity', s))));
    const status =
        el('select', {id: 'patrol-status', name: 'status'},
           el('option', {value: '', selected: this.params.status === ''},
              text(lang, 'patrol.status_all')),
           (this.choices.status ?? [])
               .map(
                   (s) =>
                       el('option', {value: s, selected: s === this.params.status},
                          choice(lang, 'finding_status', s))));
    const asOf = el('input', {
      type: 'date',
      name: 'as_of',
      id: 'patrol-as-of',
      value: this.params.as_of || this.report.as_of,
    });
    asOf.addEventListener('change', () => {
      window.location.hash = this.route({as_of: asOf.value});
    });
    severity.addEventListener('change', () => {
      window.location.hash = this.route({severity: severity.value});
    });
    status.addEventListener('change', () => {
      window.location.hash = this.route({status: status.value});
    });
    const overdue = new Set(f.overdue_list.map((o) => o.id));
    const bySeverity = table(
        [text(lang, 'finding.severity'), text(lang, 'finding.open'), text(lang, 'finding.overdue')],
        f.by_severity.map((s) => ({
                            attributes: {dataset: {severity: s.severity}},
                            cells: [
                              choice(lang, 'severity', s.severity),
                              figure(`open-${s.severity}`, count(s.open), s.open),
                              figure(`overdue-${s.severity}`, count(s.overdue), s.overdue),
                            ],
                          })),
        {numeric: [1, 2], attributes: {id: 'patrol-by-severity'}});
    return section(
        text(lang, 'patrol.findings'),
        el('p', {}, text(lang, 'patrol.overdue_as_of', {as_of: this.report.as_of})), bySeverity,
        el('form', {class: 'filters', onsubmit: (e) => e.preventDefault()},
           el('label', {}, el('span', {}, text(lang, 'today.as_of')), asOf),
           el('label', {}, el('span', {}, text(lang, 'finding.status')), status),
           el('label', {}, el('span', {}, text(lang, 'finding.severity')), severity)),
        this.findings.length === 0 ?
            el('p', {}, text(lang, 'patrol.no_findings')) :
            el('div', {id: 'patrol-findings'},
               this.findings.map((x) => this.finding(x, overdue.has(x.id)))),
        el('p', {class: 'paging'},
           text(
               lang, this.findingsCut ? 'patrol.findings_cut' : 'patrol.findings_shown',
               {shown: this.findings.length})));
  }

  finding(x, overdue) {
    const lang = this.lang;
    const v = x.fields;
    const building = x.references?.building?.label;
    return el(
        'article', {
          class: overdue ? 'finding overdue' : 'finding',
          dataset: {finding: x.id, overdue, status: v.status, severity: v.severity},
        },
        el('h3', {},
           [
             choice(lang, 'finding_category', v.category),
             choice(lang, 'severity', v.severity),
             building || x.references?.estate?.label,
           ].filter((part) => part)
               .join(' · ')),
        overdue ? el('p', {class: 'overdue-mark'}, text(lang, 'patrol.overdue')) : null,
        el('p', {class: 'description'}, v.description || kNone),
        el('p', {class: 'when'}, text(lang, 'patrol.finding_facts', {
             deadline: v.deadline || kNone,
             status: choice(lang, 'finding_status', v.status),
             who: v.reported_by || kNone,
             at: v.reported_at || kNone,
             assignee: v.assignee || kNone,
           })),
        v.location_text ? el('p', {class: 'where'}, v.location_text) : null, this.photosOf(x));
  }

  photosOf(x) {
    const lang = this.lang;
    const photos = this.photos.get(x.id);
    if (photos === undefined) return el('p', {class: 'photos loading'}, text(lang, 'page.loading'));
    if (photos.length === 0) return el('p', {class: 'photos none'}, text(lang, 'patrol.no_photo'));
    return el('div', {class: 'photos'}, photos.map((a) => this.thumb(a)));
  }

  // A photo as a thumbnail that opens it whole; another kind of file as a link to it.
  thumb(a) {
    const lang = this.lang;
    const src = `/v1/office/attachments/${encodeURIComponent(a.id)}`;
    if (!['image/jpeg', 'image/png', 'image/webp'].includes(a.content_type)) {
      return el(
          'a', {href: src, class: 'file', dataset: {attachment: a.id}},
          a.file_name || text(lang, 'patrol.file'));
    }
    let img = this.thumbs.get(a.id);
    if (!img) {
      img = el('img', {
        src,
        class: 'thumb',
        alt: a.caption || a.file_name || '',
        dataset: {attachment: a.id},
        onerror: () => {
          img.dataset.missing = 'true';
          this.render();
        },
      });
      this.thumbs.set(a.id, img);
    }
    img.title = text(lang, 'patrol.show_photo');
    if (img.dataset.missing === 'true') {
      return el(
          'span', {class: 'photo-missing', dataset: {attachment: a.id}},
          text(lang, 'patrol.photo_missing'));
    }
    return el(
        'button', {
          type: 'button',
          class: 'thumb-button',
          onclick: () => {
            this.viewing = a;
            this.render();
          },
        },
        img);
  }

  // The photo shown whole, over the page, until closed (the button or Escape).
  viewer() {
    if (!this.viewing) return null;
    const lang = this.lang;
    const a = this.viewing;
    const close = () => {
      this.viewing = null;
      this.render();
    };
    const dialog =
        el('div', {
          id: 'patrol-photo',
          class: 'photo-viewer',
          role: 'dialog',
          'aria-modal': 'true',
          tabindex: '-1',
          onkeydown: (e) => {
            if (e.key === 'Escape') close();
          },
          onclick: (e) => {
            if (e.target === dialog) close();
          },
        },
           el('img', {
             src: `/v1/office/attachments/${encodeURIComponent(a.id)}`,
             alt: a.caption || a.file_name || '',
             dataset: {attachment: a.id},
           }),
           a.caption ? el('p', {}, a.caption) : null,
           el('button', {type: 'button', id: 'patrol-photo-close', onclick: close},
              text(lang, 'patrol.close')));
    window.setTimeout(() => dialog.focus(), 0);
    return dialog;
  }
}
