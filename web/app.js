/*
 * app.js - the motcua dashboard (spec §7 "GET /"). It reads the JSON API of
 * the same origin and nothing else: /v1/metrics (the targets as traffic
 * lights, the counts, the agency picker), /v1/rankings, /v1/metrics/series
 * (the monthly chart), /v1/dossiers?state=overdue|due_soon (the lists) and
 * /v1/dossiers/{code} (one dossier, at #dossier/CODE).
 *
 * The API key: every request is first sent without one (public read); on a
 * 401 the page asks for a key once (a <dialog>, never a form that could
 * navigate), keeps it in sessionStorage for this browser tab and sends it as
 * "Authorization: Bearer". It is never put in a URL: CSV downloads are
 * fetched with the header and saved from a Blob.
 *
 * Safety: every text from the API (agency and procedure names are whatever
 * the source system sent) is inserted with textContent or as an attribute
 * value, never as HTML; the CSP forbids inline script anyway.
 *
 * Tests: the figures carry their raw API values in data-* attributes and
 * <body data-state> says when a view is complete (tests/e2e_driver.js).
 */
(function () {
  'use strict';

  // ---- texts ---------------------------------------------------------------------------------

  const I18N = {
    vi: {
      title: 'Một cửa — bảng theo dõi',
      heading: 'Bảng theo dõi giải quyết thủ tục hành chính',
      period: 'Kỳ báo cáo',
      agency: 'Cơ quan',
      all_agencies: 'Toàn tỉnh',
      enter_key: 'Nhập khóa API',
      forget_key: 'Xóa khóa API',
      targets: 'Chỉ tiêu',
      counts: 'Số hồ sơ trong kỳ',
      ranking: 'Xếp hạng cơ quan',
      ranking_metric: 'Theo',
      series: 'Diễn biến theo tháng',
      series_year: 'Diễn biến theo tháng, năm {0}',
      series_table: 'Bảng số liệu của biểu đồ',
      csv: 'Tải CSV',
      col_rank: 'Hạng',
      col_agency: 'Cơ quan',
      col_value: 'Tỷ lệ',
      col_fraction: 'Số hồ sơ',
      col_month: 'Tháng',
      col_code: 'Mã hồ sơ',
      col_procedure: 'Thủ tục',
      col_received: 'Tiếp nhận',
      col_due: 'Hạn trả',
      col_days_overdue: 'Quá hạn (ngày làm việc)',
      col_days_left: 'Còn lại (ngày làm việc)',
      col_status: 'Trạng thái',
      overdue_list: 'Hồ sơ quá hạn (hiện tại)',
      due_soon_list: 'Hồ sơ sắp đến hạn (hiện tại)',
      back: '← Quay lại bảng theo dõi',
      footer: 'Số liệu lấy từ API JSON của motcua.',
      key_title: 'Khóa API',
      key_help: 'Nhập khóa API (vai trò read). Khóa chỉ được giữ trong thẻ trình duyệt này và bị xóa khi đóng thẻ.',
      key_ok: 'Dùng khóa này',
      cancel: 'Hủy',
      key_invalid: 'Khóa không hợp lệ hoặc đã bị thu hồi. Vui lòng nhập lại.',
      key_malformed: 'Khóa chỉ gồm các ký tự in được, không có khoảng trắng.',
      forbidden: 'Khóa này không được phép xem các số liệu này.',
      need_key: 'Cần khóa API để xem số liệu.',
      need_key_list: 'Danh sách hồ sơ luôn cần khóa API.',
      error: 'Không tải được số liệu: {0}',
      unavailable: 'Dịch vụ tạm thời không phản hồi, vui lòng thử lại sau.',
      empty_list: 'Không có hồ sơ nào.',
      more: 'Xem thêm',
      shown: 'Đang hiện {0} hồ sơ',
      this_month: 'Tháng này (đến hôm nay)',
      months: 'Tháng',
      quarters: 'Quý',
      halves: 'Nửa năm',
      years: 'Năm',
      month_label: 'Tháng {0}/{1}',
      quarter_label: 'Quý {0}/{1}',
      half_label_1: '6 tháng đầu năm {0}',
      half_label_2: '6 tháng cuối năm {0}',
      year_label: 'Năm {0}',
      on_time_rate: 'Tỷ lệ đúng hạn',
      online_payment_rate: 'Tỷ lệ thanh toán trực tuyến',
      online_uptake_rate: 'Tỷ lệ hồ sơ trực tuyến (mức độ 3, 4)',
      late_rate: 'Tỷ lệ trễ hạn',
      status_met: 'Đạt',
      status_near: 'Gần đạt',
      status_missed: 'Chưa đạt',
      status_none: 'Chưa có số liệu',
      fraction: '{0} / {1} hồ sơ',
      target_ge: 'Chỉ tiêu ≥ {0}',
      target_le: 'Chỉ tiêu ≤ {0}',
      no_target: 'Không có chỉ tiêu',
      gap_on_time_rate: 'Cần thêm {0} hồ sơ đúng hạn để đạt chỉ tiêu',
      gap_online_payment_rate: 'Cần thêm {0} hồ sơ thanh toán trực tuyến để đạt chỉ tiêu',
      gap_online_uptake_rate: 'Cần thêm {0} hồ sơ nộp trực tuyến để đạt chỉ tiêu',
      gap_late_rate: 'Vượt chỉ tiêu {0} hồ sơ trễ hạn',
      carried_over: 'Kỳ trước chuyển sang',
      received: 'Tiếp nhận',
      finished: 'Đã giải quyết',
      early: 'Giải quyết trước hạn',
      on_time: 'Giải quyết đúng hạn',
      late: 'Giải quyết quá hạn',
      pending: 'Đang giải quyết',
      in_time: 'Đang giải quyết trong hạn',
      overdue: 'Đang giải quyết quá hạn',
      waiting: 'Chờ bổ sung, nghĩa vụ tài chính',
      insufficient: 'Chưa đủ {0} hồ sơ để xếp hạng: ',
      period_line: 'Từ {0} đến {1} · số liệu tính đến {2}',
      chart_missing: 'Không tải được thư viện biểu đồ; xem bảng số liệu bên dưới.',
      not_found: 'Không tìm thấy hồ sơ {0}.',
      dossier: 'Hồ sơ {0}',
      computed: '(tính theo danh mục thủ tục)',
      yes: 'Có',
      no: 'Không',
      level: 'Mức độ {0}',
      vnd: '{0} đồng',
      f_agency: 'Cơ quan',
      f_procedure: 'Thủ tục',
      f_field_code: 'Lĩnh vực',
      f_service_level: 'Mức độ dịch vụ công',
      f_channel: 'Kênh nộp',
      f_status: 'Trạng thái',
      f_received_at: 'Ngày tiếp nhận',
      f_due_at: 'Ngày hẹn trả',
      f_finished_at: 'Kết thúc xử lý',
      f_returned_at: 'Trả kết quả',
      f_extended_due_at: 'Ngày hẹn lại (xin lỗi)',
      f_apology: 'Phiếu xin lỗi',
      f_supplement_count: 'Số lần yêu cầu bổ sung',
      f_supplement_requested_at: 'Yêu cầu bổ sung lúc',
      f_fee: 'Phí, lệ phí',
      f_paid_online: 'Thanh toán trực tuyến',
      f_updated_at: 'Cập nhật lúc',
      f_class: 'Phân loại',
      f_waiting: 'Chờ công dân',
      f_due_soon: 'Sắp đến hạn',
      f_working_days_overdue: 'Số ngày làm việc quá hạn',
      f_working_days_left: 'Số ngày làm việc còn lại',
      class_early: 'Trước hạn',
      class_on_time: 'Đúng hạn',
      class_late: 'Quá hạn',
      class_in_time: 'Trong hạn',
      class_overdue: 'Quá hạn',
      channel_direct: 'Trực tiếp',
      channel_online: 'Trực tuyến',
      channel_postal: 'Bưu chính',
      st_registered: 'Mới đăng ký',
      st_received: 'Được tiếp nhận',
      st_not_accepted: 'Không được tiếp nhận',
      st_processing: 'Đang xử lý',
      st_supplement_requested: 'Yêu cầu bổ sung giấy tờ',
      st_payment_requested: 'Yêu cầu thực hiện nghĩa vụ tài chính',
      st_withdrawn: 'Công dân yêu cầu rút hồ sơ',
      st_stopped: 'Dừng xử lý',
      st_resolved: 'Đã xử lý xong',
      st_returned: 'Đã trả kết quả'
    },
    en: {
      title: 'One-stop — dashboard',
      heading: 'Administrative procedures dashboard',
      period: 'Period',
      agency: 'Agency',
      all_agencies: 'Whole province',
      enter_key: 'Enter API key',
      forget_key: 'Forget API key',
      targets: 'Targets',
      counts: 'Dossiers in the period',
      ranking: 'Agency ranking',
      ranking_metric: 'By',
      series: 'Month by month',
      series_year: 'Month by month, {0}',
      series_table: 'The chart as a table',
      csv: 'Download CSV',
      col_rank: 'Rank',
      col_agency: 'Agency',
      col_value: 'Rate',
      col_fraction: 'Dossiers',
      col_month: 'Month',
      col_code: 'Dossier code',
      col_procedure: 'Procedure',
      col_received: 'Received',
      col_due: 'Due',
      col_days_overdue: 'Overdue (working days)',
      col_days_left: 'Left (working days)',
      col_status: 'Status',
      overdue_list: 'Overdue dossiers (now)',
      due_soon_list: 'Dossiers due soon (now)',
      back: '← Back to the dashboard',
      footer: 'Figures from the motcua JSON API.',
      key_title: 'API key',
      key_help: 'Enter an API key (read role). It is kept in this browser tab only and forgotten when the tab closes.',
      key_ok: 'Use this key',
      cancel: 'Cancel',
      key_invalid: 'The key is unknown or revoked. Please enter it again.',
      key_malformed: 'A key is printable characters without spaces.',
      forbidden: 'This key may not read these figures.',
      need_key: 'An API key is needed to see the figures.',
      need_key_list: 'The dossier lists always need an API key.',
      error: 'The figures could not be loaded: {0}',
      unavailable: 'The service does not answer right now; please try again later.',
      empty_list: 'No dossiers.',
      more: 'Show more',
      shown: '{0} dossiers shown',
      this_month: 'This month (to date)',
      months: 'Months',
      quarters: 'Quarters',
      halves: 'Half-years',
      years: 'Years',
      month_label: '{1}-{0}',
      quarter_label: 'Q{0} {1}',
      half_label_1: 'H1 {0}',
      half_label_2: 'H2 {0}',
      year_label: 'Year {0}',
      on_time_rate: 'On-time rate',
      online_payment_rate: 'Online payment rate',
      online_uptake_rate: 'Online uptake (levels 3, 4)',
      late_rate: 'Late rate',
      status_met: 'Met',
      status_near: 'Near',
      status_missed: 'Missed',
      status_none: 'No data',
      fraction: '{0} / {1} dossiers',
      target_ge: 'Target ≥ {0}',
      target_le: 'Target ≤ {0}',
      no_target: 'No target',
      gap_on_time_rate: '{0} more on-time dossiers to reach the target',
      gap_online_payment_rate: '{0} more online payments to reach the target',
      gap_online_uptake_rate: '{0} more online submissions to reach the target',
      gap_late_rate: '{0} late dossiers over the target',
      carried_over: 'Carried over',
      received: 'Received',
      finished: 'Finished',
      early: 'Finished early',
      on_time: 'Finished on time',
      late: 'Finished late',
      pending: 'Pending',
      in_time: 'Pending, in time',
      overdue: 'Pending, overdue',
      waiting: 'Waiting for the applicant',
      insufficient: 'Fewer than {0} dossiers, not ranked: ',
      period_line: 'From {0} to {1} · as of {2}',
      chart_missing: 'The chart library did not load; see the table below.',
      not_found: 'No dossier {0}.',
      dossier: 'Dossier {0}',
      computed: '(computed from the procedure catalog)',
      yes: 'Yes',
      no: 'No',
      level: 'Level {0}',
      vnd: '{0} VND',
      f_agency: 'Agency',
      f_procedure: 'Procedure',
      f_field_code: 'Field',
      f_service_level: 'Online service level',
      f_channel: 'Channel',
      f_status: 'Status',
      f_received_at: 'Received',
      f_due_at: 'Due',
      f_finished_at: 'Finished',
      f_returned_at: 'Returned',
      f_extended_due_at: 'New date (apology)',
      f_apology: 'Apology letter',
      f_supplement_count: 'Supplement requests',
      f_supplement_requested_at: 'Supplement requested',
      f_fee: 'Fees',
      f_paid_online: 'Paid online',
      f_updated_at: 'Updated',
      f_class: 'Class',
      f_waiting: 'Waiting for the applicant',
      f_due_soon: 'Due soon',
      f_working_days_overdue: 'Working days overdue',
      f_working_days_left: 'Working days left',
      class_early: 'Early',
      class_on_time: 'On time',
      class_late: 'Late',
      class_in_time: 'In time',
      class_overdue: 'Overdue',
      channel_direct: 'In person',
      channel_online: 'Online',
      channel_postal: 'By post',
      st_registered: 'Registered',
      st_received: 'Received',
      st_not_accepted: 'Not accepted',
      st_processing: 'Processing',
      st_supplement_requested: 'Supplement requested',
      st_payment_requested: 'Payment requested',
      st_withdrawn: 'Withdrawn',
      st_stopped: 'Stopped',
      st_resolved: 'Resolved',
      st_returned: 'Returned'
    }
  };

  const KEY_STORE = 'motcua.apiKey';     // sessionStorage: this tab only
  const LANG_STORE = 'motcua.lang';      // localStorage: not a secret
  const TARGET_RATES = ['on_time_rate', 'online_payment_rate', 'online_uptake_rate'];
  const RANK_METRICS = ['on_time_rate', 'online_payment_rate', 'online_uptake_rate', 'late_rate'];
  const COUNTS = ['carried_over', 'received', 'finished', 'early', 'on_time', 'late',
                  'pending', 'in_time', 'overdue', 'waiting'];
  const LISTS = ['overdue', 'due_soon'];
  const LIST_PAGE = 20;
  const CSV_PAGE = 1000;                 // the API's largest page
  const CSV_MAX_PAGES = 20;              // a list download stops at 20 000 rows
  const PERIOD_RE = /^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12]|-W(0[1-9]|[1-4]\d|5[0-3])|-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$/;
  const METRIC_RE = /^[a-z_]{1,40}$/;

  let lang = 'vi';
  try {
    lang = localStorage.getItem(LANG_STORE) === 'en' ? 'en' : 'vi';
  } catch (e) { /* storage disabled: Vietnamese */ }

  function t(name) {
    const dict = I18N[lang];
    let s = Object.prototype.hasOwnProperty.call(dict, name) ? dict[name] : I18N.vi[name];
    if (s === undefined)
      s = name;
    for (let i = 1; i < arguments.length; i++)
      s = s.split('{' + (i - 1) + '}').join(String(arguments[i]));
    return s;
  }

  // ---- small DOM helpers (text only, never HTML) ---------------------------------------------

  const $ = (sel, root) => (root || document).querySelector(sel);

  /* el('td', {class: 'num', 'data-raw': 3}, 'text', childNode): attribute
   * values and children are text; event-handler attributes are refused. */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const name of Object.keys(attrs)) {
        const v = attrs[name];
        if (v === undefined || v === null || v === false)
          continue;
        if (/^on/i.test(name) || name === 'style')
          throw new Error('refused attribute ' + name);
        node.setAttribute(name, v === true ? '' : String(v));
      }
    }
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c === undefined || c === null)
        continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number'
        ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function raw(v) {
    return v === null || v === undefined ? '' : String(v);
  }

  function locale() {
    return lang === 'vi' ? 'vi-VN' : 'en-US';
  }

  function fmtInt(n) {
    return n === null || n === undefined ? '—' : new Intl.NumberFormat(locale()).format(n);
  }

  function fmtPct(v, digits) {
    if (v === null || v === undefined)
      return '—';
    return new Intl.NumberFormat(locale(), {
      style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits
    }).format(v);
  }

  function fmtTarget(v) {
    return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 2 }).format(v);
  }

  /* "2026-03-14" -> "14/03/2026" (vi) or itself (en). */
  function fmtDate(d) {
    if (!d)
      return '—';
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
    if (!m)
      return d;
    return lang === 'vi' ? m[3] + '/' + m[2] + '/' + m[1] : m[1] + '-' + m[2] + '-' + m[3];
  }

  /* An API time (RFC 3339, already +07:00) shown as its local date and
   * hh:mm, without going through the browser's time zone. */
  function fmtTime(ts) {
    if (!ts)
      return '—';
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(ts);
    return m ? fmtDate(m[1]) + ' ' + m[2] : ts;
  }

  function notice(text, kind) {
    const n = $('#notice');
    n.textContent = text || '';
    n.hidden = !text;
    n.className = 'notice' + (kind ? ' ' + kind : '');
  }

  function setState(s) {
    document.body.dataset.state = s;
  }

  // ---- the API -------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, hadKey) {
      super(message || ('HTTP ' + status));
      this.status = status;
      this.hadKey = hadKey;
    }
  }

  function getKey() {
    try {
      return sessionStorage.getItem(KEY_STORE) || '';
    } catch (e) {
      return '';
    }
  }

  function setKey(k) {
    try {
      if (k)
        sessionStorage.setItem(KEY_STORE, k);
      else
        sessionStorage.removeItem(KEY_STORE);
    } catch (e) { /* storage disabled: the key lives until the page is left */ }
    memoryKey = k;
    updateKeyButton();
  }

  let memoryKey = getKey();

  /* GET path (same origin) with the key in the Authorization header when one
   * is known. Resolves to the Response; rejects with ApiError. */
  async function apiGet(path, accept) {
    const headers = { Accept: accept || 'application/json' };
    const key = getKey() || memoryKey;
    if (key)
      headers.Authorization = 'Bearer ' + key;
    let r;
    try {
      r = await fetch(path, { headers: headers, cache: 'no-store', credentials: 'omit',
                              redirect: 'error' });
    } catch (e) {
      throw new ApiError(0, t('unavailable'), !!key);
    }
    if (!r.ok) {
      let msg = '';
      try {
        const body = await r.json();
        msg = body && body.error && typeof body.error.message === 'string' ? body.error.message : '';
      } catch (e) { /* not JSON */ }
      throw new ApiError(r.status, r.status === 503 ? t('unavailable') : msg, !!key);
    }
    return r;
  }

  async function apiJson(path) {
    const r = await apiGet(path);
    return r.json();
  }

  function query(params) {
    const u = new URLSearchParams();
    for (const k of Object.keys(params))
      if (params[k] !== '' && params[k] !== null && params[k] !== undefined)
        u.set(k, params[k]);
    return u.toString();
  }

  // ---- state and routing ---------------------------------------------------------------------

  const state = {
    period: '',               // '' = the current month to date (the API's default)
    agency: '',
    metric: 'on_time_rate',
    gen: 0,                   // bumped on each load; a stale load stops drawing
    metrics: null, agencies: null, ranking: null, series: null, dossier: null,
    lists: { overdue: null, due_soon: null },
    chart: null
  };

  /* The hash is the page's address: #period=2026-Q3&agency=X&metric=Y for
   * the overview, #dossier/CODE for one dossier. Never a key. */
  function readHash() {
    const h = location.hash.replace(/^#/, '');
    if (h.startsWith('dossier/')) {
      let code = null;
      try {
        code = decodeURIComponent(h.slice(8));
      } catch (e) { /* malformed escape */ }
      return { dossier: code };
    }
    const p = new URLSearchParams(h);
    const period = p.get('period') || '';
    const metric = p.get('metric') || 'on_time_rate';
    return {
      period: PERIOD_RE.test(period) ? period : '',
      agency: (p.get('agency') || '').slice(0, 300),
      metric: RANK_METRICS.indexOf(metric) >= 0 && METRIC_RE.test(metric) ? metric : 'on_time_rate'
    };
  }

  function writeHash() {
    const h = query({ period: state.period, agency: state.agency,
                      metric: state.metric === 'on_time_rate' ? '' : state.metric });
    const target = '#' + h;
    if (location.hash !== target && !(target === '#' && location.hash === ''))
      location.hash = target;
    else
      route();
  }

  function route() {
    const r = readHash();
    if (r.dossier !== undefined) {
      $('#overview').hidden = true;
      $('#dossier').hidden = false;
      document.body.dataset.view = 'dossier';
      loadDossier(r.dossier);
      return;
    }
    $('#overview').hidden = false;
    $('#dossier').hidden = true;
    document.body.dataset.view = 'overview';
    state.period = r.period;
    state.agency = r.agency;
    state.metric = r.metric;
    fillPeriodPicker();
    $('#rank-metric').value = state.metric;
    loadOverview();
  }

  // ---- pickers -------------------------------------------------------------------------------

  /* Today's date in Vietnam (UTC+07:00, no daylight saving). */
  function vnToday() {
    return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function pad2(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function periodLabel(p) {
    let m;
    if ((m = /^(\d{4})-(\d{2})$/.exec(p)))
      return t('month_label', m[2], m[1]);
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p)))
      return t('quarter_label', m[2], m[1]);
    if ((m = /^(\d{4})-H([12])$/.exec(p)))
      return t('half_label_' + m[2], m[1]);
    if (/^\d{4}$/.test(p))
      return t('year_label', p);
    return p;
  }

  /* A month on the chart's axis: "03/2026" (vi), "2026-03" (en). */
  function chartLabel(p) {
    const m = /^(\d{4})-(\d{2})$/.exec(p);
    return m ? (lang === 'vi' ? m[2] + '/' + m[1] : p) : p;
  }

  function fillPeriodPicker() {
    const sel = $('#period');
    const today = vnToday();
    const y = +today.slice(0, 4), mo = +today.slice(5, 7);
    const groups = [['months', []], ['quarters', []], ['halves', []], ['years', []]];
    for (let i = 1; i <= 12; i++) {
      let yy = y, mm = mo - i;
      while (mm < 1) { mm += 12; yy--; }
      groups[0][1].push(yy + '-' + pad2(mm));
    }
    const q = Math.floor((mo - 1) / 3) + 1;
    for (let i = 0; i < 6; i++) {
      let yy = y, qq = q - i;
      while (qq < 1) { qq += 4; yy--; }
      groups[1][1].push(yy + '-Q' + qq);
    }
    if (mo > 6) groups[2][1].push(y + '-H2');
    groups[2][1].push(y + '-H1', (y - 1) + '-H2', (y - 1) + '-H1');
    groups[3][1].push(String(y), String(y - 1), String(y - 2));

    sel.replaceChildren(el('option', { value: '' }, t('this_month')));
    let found = state.period === '';
    for (const [name, values] of groups) {
      const g = el('optgroup', { label: t(name) });
      for (const v of values) {
        g.appendChild(el('option', { value: v }, periodLabel(v)));
        if (v === state.period)
          found = true;
      }
      sel.appendChild(g);
    }
    if (!found)   // a period from the address that is not in the list (e.g. 2023-W10)
      sel.appendChild(el('option', { value: state.period }, periodLabel(state.period)));
    sel.value = state.period;
  }

  function fillAgencyPicker() {
    const sel = $('#agency');
    const groups = state.agencies && state.agencies.groups ? state.agencies.groups : [];
    sel.replaceChildren(el('option', { value: '' }, t('all_agencies')));
    let found = state.agency === '';
    for (const g of groups) {
      if (g.key === null)
        continue;
      sel.appendChild(el('option', { value: g.key }, (g.label || g.key) + ' (' + g.key + ')'));
      if (g.key === state.agency)
        found = true;
    }
    if (!found)
      sel.appendChild(el('option', { value: state.agency }, state.agency));
    sel.value = state.agency;
  }

  function fillMetricPicker() {
    const sel = $('#rank-metric');
    sel.replaceChildren();
    for (const m of RANK_METRICS)
      sel.appendChild(el('option', { value: m }, t(m)));
    sel.value = state.metric;
  }

  function agencyName(code) {
    const groups = state.agencies && state.agencies.groups ? state.agencies.groups : [];
    for (const g of groups)
      if (g.key === code)
        return g.label || code;
    return code;
  }

  // ---- the key dialog ------------------------------------------------------------------------

  let keyPromptOpen = false;

  function askKey(message) {
    const d = $('#key-dialog');
    const err = $('#key-error');
    err.textContent = message || '';
    err.hidden = !message;
    $('#key-input').value = '';
    if (!d.open) {
      if (typeof d.showModal === 'function')
        d.showModal();
      else
        d.setAttribute('open', '');
    }
    keyPromptOpen = true;
    setState('need-key');
    $('#key-input').focus();
  }

  function closeKeyDialog() {
    const d = $('#key-dialog');
    if (d.open) {
      if (typeof d.close === 'function')
        d.close();
      else
        d.removeAttribute('open');
    }
    keyPromptOpen = false;
  }

  function onKeySubmit(ev) {
    ev.preventDefault();       // never a navigation: the key stays out of every URL
    const k = $('#key-input').value.trim();
    if (!/^[\x21-\x7e]{1,512}$/.test(k)) {
      $('#key-error').textContent = t('key_malformed');
      $('#key-error').hidden = false;
      return;
    }
    $('#key-input').value = '';
    setKey(k);
    closeKeyDialog();
    notice('');
    route();
  }

  function updateKeyButton() {
    const b = $('#key-button');
    const has = !!(getKey() || memoryKey);
    b.dataset.i18n = has ? 'forget_key' : 'enter_key';
    b.textContent = t(b.dataset.i18n);
  }

  function onKeyButton() {
    if (getKey() || memoryKey) {
      setKey('');
      route();
    } else {
      askKey('');
    }
  }

  /* What a failed request means for the page: a key to ask for (or ask again
   * for), a refusal, or an error to show. */
  function handleError(e, where) {
    if (e.status === 401) {
      if (e.hadKey) {
        setKey('');
        askKey(t('key_invalid'));
      } else {
        askKey('');
      }
      return 'need-key';
    }
    if (e.status === 403) {
      notice(t('forbidden') + (e.message ? ' (' + e.message + ')' : ''), 'error');
      return 'error';
    }
    notice(t('error', (where ? where + ': ' : '') + e.message), 'error');
    return 'error';
  }

  // ---- the overview --------------------------------------------------------------------------

  async function loadOverview() {
    const gen = ++state.gen;
    setState('loading');
    notice('');
    const year = (state.period || vnToday()).slice(0, 4);
    try {
      const [metrics, agencies, ranking, series] = await Promise.all([
        apiJson('/v1/metrics?' + query({ period: state.period, agency: state.agency })),
        apiJson('/v1/metrics?' + query({ period: state.period, group_by: 'agency' })),
        apiJson('/v1/rankings?' + query({ period: state.period, metric: state.metric, by: 'agency' })),
        apiJson('/v1/metrics/series?' + query({ period: year, interval: 'month', agency: state.agency }))
      ]);
      if (gen !== state.gen)
        return;
      Object.assign(state, { metrics: metrics, agencies: agencies, ranking: ranking, series: series });
    } catch (e) {
      if (gen !== state.gen)
        return;
      clearOverview();
      setState(handleError(e));
      return;
    }
    renderOverview();
    await Promise.all(LISTS.map(s => loadList(s, gen, false)));
    if (gen !== state.gen)
      return;
    if (!keyPromptOpen)
      setState('ready');
  }

  function clearOverview() {
    state.metrics = state.agencies = state.ranking = state.series = null;
    state.lists = { overdue: null, due_soon: null };
    $('#lights').replaceChildren();
    $('#counts').replaceChildren();
    $('#ranking tbody').replaceChildren();
    $('#insufficient').textContent = '';
    $('#series-table tbody').replaceChildren();
    for (const s of LISTS)
      $('section[data-state-list="' + s + '"] .list-body').replaceChildren();
    if (state.chart) {
      state.chart.destroy();
      state.chart = null;
    }
  }

  function renderOverview() {
    if (!state.metrics)
      return;
    fillAgencyPicker();
    renderScope();
    renderLights();
    renderCounts();
    renderRanking();
    renderSeries();
    for (const s of LISTS)
      renderList(s);
  }

  function renderScope() {
    const p = state.metrics.period;
    const who = state.agency ? agencyName(state.agency) : t('all_agencies');
    $('#scope-line').textContent = who + ' · ' + t('period_line', fmtDate(p.from), fmtDate(p.to), fmtTime(p.as_of));
    $('#as-of').textContent = fmtTime(p.as_of);
  }

  function renderLights() {
    const box = $('#lights');
    box.replaceChildren();
    for (const name of TARGET_RATES) {
      const r = state.metrics.rates[name];
      if (!r)
        continue;
      const status = ['met', 'near', 'missed', 'none'].indexOf(r.status) >= 0 ? r.status : 'none';
      const card = el('article', {
        class: 'light status-' + status, 'data-rate': name, 'data-status': r.status,
        'data-value': raw(r.value), 'data-numerator': raw(r.numerator),
        'data-denominator': raw(r.denominator), 'data-target': raw(r.target), 'data-gap': raw(r.gap)
      },
        el('h3', null, el('span', { class: 'lamp', 'aria-hidden': 'true' }), t(name)),
        el('p', { class: 'value', 'data-shown': 'value' }, fmtPct(r.value, 1)),
        el('p', { class: 'status-text' }, t('status_' + status)),
        el('p', { class: 'fraction' },
           t('fraction', fmtInt(r.numerator), fmtInt(r.denominator))),
        el('p', { class: 'target' },
           r.target === null || r.target === undefined ? t('no_target')
             : t(r.op === '<=' ? 'target_le' : 'target_ge', fmtTarget(r.target))));
      const num = card.querySelector('.fraction');
      num.dataset.shown = 'fraction';
      if (typeof r.gap === 'number' && r.gap > 0)
        card.appendChild(el('p', { class: 'gap' }, t('gap_' + name, fmtInt(r.gap))));
      box.appendChild(card);
    }
  }

  function renderCounts() {
    const dl = $('#counts');
    dl.replaceChildren();
    for (const name of COUNTS) {
      const v = state.metrics.counts[name];
      dl.appendChild(el('div', { class: 'count', 'data-count': name, 'data-raw': raw(v) },
        el('dt', null, t(name)), el('dd', null, fmtInt(v))));
    }
  }

  function renderRanking() {
    const body = $('#ranking tbody');
    body.replaceChildren();
    const rk = state.ranking;
    const best = rk.ranked.reduce((m, r) => Math.max(m, r.value || 0), 0) || 1;
    for (const r of rk.ranked) {
      const meter = el('meter', { min: 0, max: 1, value: raw(r.value === null ? 0 : r.value / best) });
      const row = el('tr', {
        'data-key': r.key, 'data-rank': raw(r.rank), 'data-value': raw(r.value),
        'data-numerator': raw(r.numerator), 'data-denominator': raw(r.denominator),
        class: r.key === state.agency ? 'selected' : null,
        'aria-current': r.key === state.agency ? 'true' : null
      },
        el('td', { class: 'num rank' }, fmtInt(r.rank)),
        el('td', null, r.label || r.key, el('span', { class: 'code' }, r.key)),
        el('td', { class: 'num' }, fmtPct(r.value, 1)),
        el('td', { class: 'num' }, fmtInt(r.numerator) + ' / ' + fmtInt(r.denominator)),
        el('td', { class: 'bar' }, meter));
      body.appendChild(row);
    }
    const few = rk.insufficient || [];
    const p = $('#insufficient');
    p.textContent = few.length
      ? t('insufficient', fmtInt(rk.min_n)) + few.map(r => (r.label || r.key) + ' (' +
          fmtInt(r.numerator) + '/' + fmtInt(r.denominator) + ')').join(', ')
      : '';
  }

  function rateValue(b, name) {
    const r = b.rates && b.rates[name];
    return r && typeof r.value === 'number' ? r.value : null;
  }

  function renderSeries() {
    const s = state.series;
    const year = s.period && s.period.from ? s.period.from.slice(0, 4) : '';
    $('#h-series').textContent = t('series_year', year);
    const body = $('#series-table tbody');
    body.replaceChildren();
    for (const b of s.buckets) {
      const cells = [
        el('th', { scope: 'row' }, periodLabel(b.key)),
        el('td', { class: 'num', 'data-raw': raw(b.counts.received) }, fmtInt(b.counts.received)),
        el('td', { class: 'num', 'data-raw': raw(b.counts.finished) }, fmtInt(b.counts.finished))
      ];
      for (const name of TARGET_RATES)
        cells.push(el('td', { class: 'num', 'data-rate': name, 'data-raw': raw(rateValue(b, name)) },
                      fmtPct(rateValue(b, name), 1)));
      body.appendChild(el('tr', { 'data-key': b.key }, ...cells));
    }
    drawChart();
  }

  function drawChart() {
    const canvas = $('#series-chart');
    if (state.chart) {
      state.chart.destroy();
      state.chart = null;
    }
    if (typeof window.Chart !== 'function') {
      canvas.hidden = true;
      notice(t('chart_missing'), 'error');
      return;
    }
    canvas.hidden = false;
    const b = state.series.buckets;
    const pct = name => b.map(x => {
      const v = rateValue(x, name);
      return v === null ? null : Math.round(v * 10000) / 100;
    });
    const colors = { on_time_rate: '#1a7f37', online_payment_rate: '#0b57d0', online_uptake_rate: '#8e24aa' };
    const datasets = [
      { type: 'bar', label: t('received'), data: b.map(x => x.counts.received), yAxisID: 'count',
        backgroundColor: 'rgba(120, 144, 156, 0.45)', order: 2 },
      { type: 'bar', label: t('finished'), data: b.map(x => x.counts.finished), yAxisID: 'count',
        backgroundColor: 'rgba(69, 90, 100, 0.55)', order: 2 }
    ];
    for (const name of TARGET_RATES)
      datasets.push({ type: 'line', label: t(name), data: pct(name), yAxisID: 'rate',
                      borderColor: colors[name], backgroundColor: colors[name], spanGaps: false,
                      tension: 0.2, order: 1 });
    state.chart = new window.Chart(canvas, {
      data: { labels: b.map(x => chartLabel(x.key)), datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          count: { type: 'linear', position: 'left', beginAtZero: true,
                   ticks: { callback: v => fmtInt(v) } },
          rate: { type: 'linear', position: 'right', min: 0, max: 100,
                  grid: { drawOnChartArea: false }, ticks: { callback: v => v + '%' } }
        },
        plugins: { legend: { position: 'bottom' } }
      }
    });
  }

  // ---- the lists -----------------------------------------------------------------------------

  function listPath(s, limit, cursor, csv) {
    return '/v1/dossiers?' + query({ state: s, agency: state.agency, limit: limit, cursor: cursor,
                                     format: csv ? 'csv' : '' });
  }

  /* Loads the first page of list s (more: the next page). A 401 here, with
   * the figures already shown (public read), asks nothing by itself: the
   * list says it needs a key and offers the dialog. */
  async function loadList(s, gen, more) {
    const cur = state.lists[s];
    const cursor = more && cur ? cur.next : '';
    try {
      const page = await apiJson(listPath(s, LIST_PAGE, cursor, false));
      if (gen !== state.gen)
        return;
      const items = more && cur ? cur.items.concat(page.items) : page.items;
      state.lists[s] = { items: items, next: page.next_cursor, error: null };
    } catch (e) {
      if (gen !== state.gen)
        return;
      if (e.status === 401 && !e.hadKey) {
        state.lists[s] = { items: [], next: null, error: 'need-key' };
      } else if (e.status === 401) {
        state.lists[s] = { items: [], next: null, error: 'need-key' };
        handleError(e);
      } else {
        state.lists[s] = { items: [], next: null, error: e.status === 403 ? t('forbidden') : e.message };
      }
    }
    renderList(s);
  }

  function renderList(s) {
    const box = $('section[data-state-list="' + s + '"] .list-body');
    box.replaceChildren();
    const l = state.lists[s];
    if (!l)
      return;
    if (l.error === 'need-key') {
      const b = el('button', { type: 'button', class: 'secondary' }, t('enter_key'));
      b.addEventListener('click', () => askKey(''));
      box.appendChild(el('p', { class: 'need-key' }, t('need_key_list') + ' ', b));
      return;
    }
    if (l.error) {
      box.appendChild(el('p', { class: 'error' }, l.error));
      return;
    }
    if (!l.items.length) {
      box.appendChild(el('p', { class: 'empty' }, t('empty_list')));
      return;
    }
    const overdue = s === 'overdue';
    const table = el('table', { class: 'data', 'data-list': s },
      el('thead', null, el('tr', null,
        el('th', null, t('col_code')), el('th', null, t('col_agency')),
        el('th', null, t('col_procedure')), el('th', null, t('col_received')),
        el('th', null, t('col_due')),
        el('th', { class: 'num' }, t(overdue ? 'col_days_overdue' : 'col_days_left')),
        el('th', null, t('col_status')))));
    const body = el('tbody');
    for (const d of l.items) {
      const days = overdue ? d.working_days_overdue : d.working_days_left;
      body.appendChild(el('tr', { 'data-code': d.code },
        el('td', { class: 'nowrap' }, el('a', { href: '#dossier/' + encodeURIComponent(d.code) }, d.code)),
        el('td', null, d.agency_name || d.agency_code),
        el('td', null, d.procedure_name || d.procedure_code),
        el('td', null, fmtTime(d.received_at)),
        el('td', null, fmtTime(d.due_at)),
        el('td', { class: 'num', 'data-raw': raw(days) }, fmtInt(days)),
        el('td', null, statusText(d))));
    }
    table.appendChild(body);
    box.appendChild(table);
    const foot = el('p', { class: 'small' }, t('shown', fmtInt(l.items.length)) + ' ');
    if (l.next) {
      const b = el('button', { type: 'button', class: 'secondary more' }, t('more'));
      b.addEventListener('click', () => {
        b.disabled = true;
        loadList(s, state.gen, true);
      });
      foot.appendChild(b);
    }
    box.appendChild(foot);
  }

  function statusText(d) {
    const k = 'st_' + d.status;
    return Object.prototype.hasOwnProperty.call(I18N.vi, k) ? t(k) : (d.status_label || d.status || '');
  }

  // ---- one dossier ---------------------------------------------------------------------------

  async function loadDossier(code) {
    const gen = ++state.gen;
    setState('loading');
    notice('');
    const title = $('#dossier-title');
    const body = $('#dossier-fields tbody');
    title.textContent = code ? t('dossier', code) : '';
    body.replaceChildren();
    if (!code) {
      title.textContent = t('not_found', '');
      setState('ready');
      return;
    }
    try {
      const d = await apiJson('/v1/dossiers/' + encodeURIComponent(code));
      if (gen !== state.gen)
        return;
      state.dossier = d;
    } catch (e) {
      if (gen !== state.gen)
        return;
      state.dossier = null;
      if (e.status === 404) {
        title.textContent = t('not_found', code);
        setState('ready');
        return;
      }
      setState(handleError(e));
      return;
    }
    renderDossier();
    setState('ready');
  }

  function renderDossier() {
    const d = state.dossier;
    if (!d)
      return;
    $('#dossier-title').textContent = t('dossier', d.code);
    const body = $('#dossier-fields tbody');
    body.replaceChildren();
    const yn = v => v === null || v === undefined ? '—' : t(v ? 'yes' : 'no');
    const rows = [
      ['f_agency', (d.agency_name ? d.agency_name + ' ' : '') + '(' + d.agency_code + ')', d.agency_code],
      ['f_procedure', (d.procedure_name ? d.procedure_name + ' ' : '') + '(' + d.procedure_code + ')', d.procedure_code],
      ['f_field_code', d.field_code || '—', d.field_code],
      ['f_service_level', d.service_level ? t('level', d.service_level) : '—', d.service_level],
      ['f_channel', d.channel ? t('channel_' + d.channel) : '—', d.channel],
      ['f_status', statusText(d), d.status],
      ['f_class', d.class ? t('class_' + d.class) : '—', d.class],
      ['f_received_at', fmtTime(d.received_at), d.received_at],
      ['f_due_at', fmtTime(d.due_at) + (d.due_computed ? ' ' + t('computed') : ''), d.due_at],
      ['f_working_days_overdue', fmtInt(d.working_days_overdue), d.working_days_overdue],
      ['f_working_days_left', fmtInt(d.working_days_left), d.working_days_left],
      ['f_due_soon', yn(d.due_soon), d.due_soon],
      ['f_waiting', yn(d.waiting), d.waiting],
      ['f_finished_at', fmtTime(d.finished_at), d.finished_at],
      ['f_returned_at', fmtTime(d.returned_at), d.returned_at],
      ['f_extended_due_at', fmtTime(d.extended_due_at), d.extended_due_at],
      ['f_apology', yn(d.apology), d.apology],
      ['f_supplement_count', fmtInt(d.supplement_count), d.supplement_count],
      ['f_supplement_requested_at', fmtTime(d.supplement_requested_at), d.supplement_requested_at],
      ['f_fee', d.fee === null || d.fee === undefined ? '—' : t('vnd', fmtInt(d.fee)), d.fee],
      ['f_paid_online', yn(d.paid_online), d.paid_online],
      ['f_updated_at', fmtTime(d.updated_at), d.updated_at]
    ];
    for (const [name, text, value] of rows)
      body.appendChild(el('tr', { 'data-field': name.slice(2), 'data-raw': raw(value) },
                          el('th', { scope: 'row' }, t(name)), el('td', null, text)));
  }

  // ---- CSV downloads -------------------------------------------------------------------------

  function save(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: filename, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /* The position after the BOM and the header line of a CSV page. */
  function afterHeader(bytes) {
    const nl = bytes.indexOf(10);
    return nl < 0 ? bytes.length : nl + 1;
  }

  async function downloadList(s) {
    const parts = [];
    let cursor = '';
    for (let page = 0; page < CSV_MAX_PAGES; page++) {
      const r = await apiGet(listPath(s, CSV_PAGE, cursor, true), 'text/csv');
      const bytes = new Uint8Array(await r.arrayBuffer());
      parts.push(page === 0 ? bytes : bytes.subarray(afterHeader(bytes)));
      cursor = r.headers.get('X-Next-Cursor') || '';
      if (!cursor)
        break;
    }
    return new Blob(parts, { type: 'text/csv;charset=utf-8' });
  }

  async function download(kind) {
    const name = (state.period || 'current') + (state.agency ? '-' + state.agency : '');
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_');
    let path;
    if (kind === 'metrics')
      path = '/v1/metrics?' + query({ period: state.period, agency: state.agency, group_by: 'agency', format: 'csv' });
    else if (kind === 'rankings')
      path = '/v1/rankings?' + query({ period: state.period, metric: state.metric, by: 'agency', format: 'csv' });
    else if (kind === 'series')
      path = '/v1/metrics/series?' + query({ period: (state.period || vnToday()).slice(0, 4), interval: 'month',
                                             agency: state.agency, format: 'csv' });
    try {
      let blob;
      if (LISTS.indexOf(kind) >= 0)
        blob = await downloadList(kind);
      else
        blob = await (await apiGet(path, 'text/csv')).blob();
      save(blob, 'motcua-' + kind.replace('_', '-') + '-' + safe + '.csv');
    } catch (e) {
      handleError(e, 'CSV');
    }
  }

  // ---- language ------------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang;
    for (const node of document.querySelectorAll('[data-i18n]'))
      node.textContent = t(node.dataset.i18n);
    const lb = $('#lang-button');
    lb.textContent = lang === 'vi' ? 'English' : 'Tiếng Việt';
    lb.lang = lang === 'vi' ? 'en' : 'vi';
    updateKeyButton();
    fillMetricPicker();
    if (!$('#overview').hidden) {
      fillPeriodPicker();
      if (state.metrics)
        renderOverview();
    } else {
      renderDossier();
    }
  }

  function toggleLanguage() {
    lang = lang === 'vi' ? 'en' : 'vi';
    try {
      localStorage.setItem(LANG_STORE, lang);
    } catch (e) { /* not kept */ }
    applyLanguage();
  }

  // ---- start ---------------------------------------------------------------------------------

  function start() {
    $('#period').addEventListener('change', e => { state.period = e.target.value; writeHash(); });
    $('#agency').addEventListener('change', e => { state.agency = e.target.value; writeHash(); });
    $('#rank-metric').addEventListener('change', e => { state.metric = e.target.value; writeHash(); });
    $('#controls').addEventListener('submit', e => e.preventDefault());
    $('#key-form').addEventListener('submit', onKeySubmit);
    $('#key-cancel').addEventListener('click', () => {
      closeKeyDialog();
      notice(t('need_key'), 'error');
      setState('need-key');
    });
    $('#key-dialog').addEventListener('cancel', () => {
      keyPromptOpen = false;
      notice(t('need_key'), 'error');
    });
    $('#key-button').addEventListener('click', onKeyButton);
    $('#lang-button').addEventListener('click', toggleLanguage);
    $('#back-link').addEventListener('click', ev => {
      ev.preventDefault();
      state.dossier = null;
      writeHash();
    });
    for (const b of document.querySelectorAll('button[data-csv]'))
      b.addEventListener('click', () => download(b.dataset.csv));
    window.addEventListener('hashchange', route);
    applyLanguage();
    route();
  }

  if (document.readyState === 'loading')
    document.addEventListener('DOMContentLoaded', start);
  else
    start();
})();
