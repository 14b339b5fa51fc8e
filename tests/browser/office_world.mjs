// The world the console's page tests look at, made with the real command lines: the
// office's reference data imported with `fieldsync-server import`, and November 2026's
// field work recorded on two collectors' phones with `fieldsync` and synced to the
// server, as it happens in the field. It holds, as of 2026-11-30:
//   - households in arrears for more than 3, 2 and 1 years and for weeks, in two
//     buildings and for two collectors, one of them named as markup (kHostileOwner);
//   - payments, visits against daily targets, a promise broken and one due that day;
//   - a payment refused by the server (over the estate's maximum, which the office
//     lowered while the phone was offline) and a conflict (both collectors changed the
//     same household's phones offline);
//   - an overdue finding and a repair awaiting its return visit.
export const kPassword = 'correct horse battery';
export const kManager = 'mei';
export const kPeriod = '2026-11';
export const kAsOf = '2026-11-30';
export const kHostileOwner = '<img src=x onerror="window.pwned=1">';

const kEstate = '0193a6f2-0000-7000-8000-000000000001';
const kBuildingA = '0193a6f2-0000-7000-8000-000000000011';
const kBuildingB = '0193a6f2-0000-7000-8000-000000000012';
const id = (n) => `0193a6f2-0000-7000-8000-00000000${String(n).padStart(4, '0')}`;
// The households: [id, building, unit, owner, phones, collector].
export const kHouseholds = {
  wang: [id(1001), kBuildingA, '1-101', '王丽', '13800000001;13800000002', 'ann'],
  hostile: [id(1002), kBuildingA, '1-102', kHostileOwner, '13800000003', 'ann'],
  chen: [id(1003), kBuildingA, '1-201', 'Chen "Sam" Yu', '13900000003', 'bob'],
  zhang: [id(1004), kBuildingB, '2-101', '张伟', '13700000004', 'bob'],
  zhao: [id(1005), kBuildingB, '2-102', 'Zhao Min', '13700000005', 'ann'],
  li: [id(1006), kBuildingA, '1-10', 'Li Na', '13600000006', 'ann'],
  wu: [id(1007), kBuildingB, '2-201', 'Wu Fang', '13500000007', 'bob'],
};
const h = (name) => kHouseholds[name][0];

// One CSV line; values holding a comma or a quote are quoted.
const csvLine = (values) =>
    values.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
const csv = (header, rows) => [header, ...rows].map(csvLine).join('\n') + '\n';

async function importCsv(t, collection, header, rows) {
  await t.serverCommand(
      ['import', collection, t.writeFile(`${collection}.csv`, csv(header, rows))]);
}

// The office's side, before the server serves: users, places, people, charges, plans.
async function officeData(t) {
  await t.serverCommand(['time-zone', 'Asia/Shanghai']);
  await t.serverCommand(
      ['user', 'add', kManager, '--role', 'office_manager'], {input: `${kPassword}\n`});
  for (const collector of ['ann', 'bob']) {
    await t.serverCommand(['user', 'add', collector, '--role', 'collector']);
  }
  await importCsv(
      t, 'estates', ['id', 'name', 'time_zone'], [[kEstate, 'Riverside Gardens', 'Asia/Shanghai']]);
  await importCsv(
      t, 'buildings', ['id', 'estate', 'name'],
      [[kBuildingA, kEstate, 'Block A'], [kBuildingB, kEstate, 'Block B']]);
  const households = Object.values(kHouseholds);
  await importCsv(
      t, 'units', ['id', 'building', 'number'],
      households.map(([hid, building, unit]) => [hid.replace(/1(\d{3})$/, '2$1'), building, unit]));
  await importCsv(
      t, 'households', ['id', 'unit', 'owner_name', 'phones', 'collector'],
      households.map(
          ([hid, , , owner, phones,
            collector]) => [hid, hid.replace(/1(\d{3})$/, '2$1'), owner, phones, collector]));
  const charge = (name, period, amount) => [h(name), 'property_fee', period, amount];
  await importCsv(t, 'charges', ['household', 'fee_item', 'period', 'amount'], [
    charge('wang', '2022-06', '100.00'),
    charge('wang', '2022-07', '100.00'),
    charge('wang', '2022-08', '100.00'),
    charge('wang', '2026-11', '120.00'),
    charge('hostile', '2024-03', '200.00'),
    charge('hostile', '2026-11', '120.00'),
    charge('chen', '2025-09', '150.00'),
    charge('chen', '2026-11', '120.00'),
    charge('zhang', '2026-10', '120.00'),
    charge('zhang', '2026-11', '120.00'),
    charge('zhao', '2026-11', '120.00'),
    charge('li', '2026-11', '80.00'),
    charge('wu', '2023-01', '90.00'),
    charge('wu', '2023-02', '90.00'),
    charge('wu', '2026-11', '120.00'),
  ]);
  await importCsv(
      t, 'collection_plans',
      ['collector', 'month', 'daily_visit_target', 'amount_target', 'households'], [
        ['ann', kPeriod, '2', '500.00', [h('wang'), h('hostile'), h('zhao'), h('li')].join(';')],
        ['bob', kPeriod, '3', '300.00', [h('chen'), h('zhang'), h('wu')].join(';')],
      ]);
  await importCsv(
      t, 'findings',
      [
        'estate', 'building', 'category', 'severity', 'description', 'deadline', 'reported_by',
        'reported_at'
      ],
      [
        [
          kEstate, kBuildingA, 'fire', 'high', 'Fire door wedged open', '2026-11-25', 'pat',
          '2026-11-20T09:00:00+08:00'
        ],
        [
          kEstate, kBuildingB, 'sanitation', 'low', 'Bins overflowing', '2026-12-20', 'pat',
          '2026-11-21T09:00:00+08:00'
        ],
      ]);
  await importCsv(
      t, 'work_orders',
      [
        'household', 'category', 'channel', 'priority', 'description', 'assignee', 'reported_at',
        'status'
      ],
      [[
        h('zhao'), 'plumbing', 'phone', 'normal', 'Kitchen tap leaks', 'tom',
        '2026-11-18T14:00:00+08:00', 'completed'
      ]]);
  for (const collector of ['ann', 'bob']) {
    await t.serverCommand(['assign', collector, '--estate', kEstate]);
  }
}

// A collector's phone: enrolled with a code from the office, and synced once.
async function enrollPhone(t, server, user) {
  const code = (await t.serverCommand(['enroll-code', user])).trim();
  await t.fieldCommand(user, ['enroll', '--server', server.url, '--code', code]);
  await t.fieldCommand(user, ['sync']);
}

// Builds the world on `server` (started by the test after officeData's part: the
// office's data is imported before the server runs).
export async function buildWorld(t) {
  await officeData(t);
  const server = await t.startServer();
  await enrollPhone(t, server, 'ann');
  await enrollPhone(t, server, 'bob');
  // The office lowers the estate's maximum for one payment; the phones do not know yet.
  await t.serverCommand(['edit', kEstate, 'max_amount=130.00']);

  const ann = (...args) => t.fieldCommand('ann', args);
  await ann('pay', '--household', h('wang'), '--amount', '100.00', '--at', '2026-11-10T10:05');
  await ann(
      'visit', '--household', h('wang'), '--outcome', 'paid_partial', '--at', '2026-11-10T10:00');
  await ann(
      'visit', '--household', h('hostile'), '--outcome', 'promised', '--promise-date', '2026-11-20',
      '--promise-amount', '120.00', '--at', '2026-11-10T10:30');
  await ann(
      'visit', '--household', h('zhao'), '--outcome', 'paid_full', '--at', '2026-11-12T15:00');
  await ann('pay', '--household', h('zhao'), '--amount', '120.00', '--at', '2026-11-12T15:05');
  await ann(
      'visit', '--household', h('li'), '--outcome', 'promised', '--promise-date', kAsOf,
      '--promise-amount', '80.00', '--at', '2026-11-28T09:00');
  await ann(
      'visit', '--household', h('wang'), '--outcome', 'paid_partial', '--at', '2026-11-28T09:30');
  await ann('pay', '--household', h('wang'), '--amount', '150.00', '--at', '2026-11-28T09:35');
  await ann('edit', 'households', h('chen'), 'phones=13900000009');

  const bob = (...args) => t.fieldCommand('bob', args);
  await bob(
      'visit', '--household', h('chen'), '--outcome', 'paid_partial', '--at', '2026-11-20T11:00');
  await bob('pay', '--household', h('chen'), '--amount', '50.00', '--at', '2026-11-20T11:05');
  await bob(
      'visit', '--household', h('zhang'), '--outcome', 'paid_full', '--at', '2026-11-25T16:00');
  await bob('pay', '--household', h('zhang'), '--amount', '120.00', '--at', '2026-11-25T16:05');
  await bob('visit', '--household', h('wu'), '--outcome', 'not_home', '--at', '2026-11-25T16:30');
  await bob('visit', '--household', h('chen'), '--outcome', 'not_home', '--at', '2026-11-25T17:00');
  await bob('edit', 'households', h('chen'), 'phones=13900000008');

  await t.fieldCommand('ann', ['sync']);
  await t.fieldCommand('bob', ['sync']);
  return server;
}
