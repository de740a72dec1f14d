// The canteen employee page: sign in with POST /api/auth/login, keep the bearer token in this
// script's memory (a reload signs out), and show what the API gives the signed-in employee.
//
// Markers for tests that drive the page: once every list has loaded, #orders gets
// data-loaded="true"; once an order's details are shown, #order-detail gets data-order-id.
// Nothing here loads from another origin; every value goes into the page as text, never HTML.
'use strict';

(() => {
  let token = null;        // the bearer token of the signed-in employee; null when signed out
  let detailWanted = null; // the order whose details were asked for last

  const $ = (selector, root = document) => root.querySelector(selector);

  // A failure the page says in words: `status` is the HTTP status (0 when nothing came back).
  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // Fetch `path` of this origin as the signed-in employee; the parsed JSON answer.
  async function api(path, options = {}) {
    const headers = { Accept: 'application/json', ...(options.headers || {}) };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch (err) {
      throw new ApiError(`无法连接服务器 (${err.message})`, 0);
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(`${path}: 服务器返回的不是 JSON (HTTP ${response.status})`, response.status);
    }
    if (!response.ok) {
      const why = body && (body.message || body.error || body.msg);
      throw new ApiError(`${path}: HTTP ${response.status}${why ? ` ${why}` : ''}`,
                         response.status);
    }
    // Some routes deny with HTTP 200 and {"code": 401|403, "msg": ...}.
    if (body && typeof body === 'object' && 'code' in body && body.code !== 0) {
      throw new ApiError(`${path}: ${body.msg || `code ${body.code}`}`, body.code);
    }
    return body;
  }

  function showError(message) {
    const box = $('#error');
    box.textContent = message;
    box.hidden = !message;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  const money = (yuan) => (typeof yuan === 'number' ? yuan.toFixed(2) : '—');
  const when = (iso) => (iso ? String(iso).replace('T', ' ').replace(/:00\+08:00$/, '') : '—');
  const channels = { wechat: '微信', alipay: '支付宝', cash: '现金' };

  // Fill the <dl class="facts"> of `section` with [label, value] pairs.
  function facts(section, pairs) {
    const list = $('dl.facts', section);
    list.replaceChildren();
    for (const [label, value] of pairs) {
      list.append(element('dt', label), element('dd', value ?? '—'));
    }
  }

  // Replace the rows of the table body in `section` with one row per item.
  function rows(section, items, cells) {
    const body = $('tbody', section);
    body.replaceChildren();
    for (const item of items) {
      const row = document.createElement('tr');
      for (const [value, className] of cells(item)) row.append(element('td', value, className));
      body.append(row);
    }
  }

  function showProfile(me) {
    facts($('#profile'), [
      ['姓名', me.name], ['工号', me.number], ['部门编号', me.departmentId],
      ['手机', me.phone], ['身份证号', me.idCard], ['邮箱', me.email],
    ]);
    const who = $('#whoami');
    who.textContent = `${me.name}（${me.number}）`;
    who.hidden = false;
  }

  function showCard(envelope) {
    const card = envelope.data || {};
    facts($('#card'), [['卡号', card.cardNo], ['持卡人', card.name], ['余额 (元)', money(card.balance)]]);
  }

  function showMenu(dishes) {
    rows($('#menu'), dishes, (d) => [[d.name], [d.window], [money(d.price), 'money']]);
  }

  function showOrders(page) {
    const section = $('#orders');
    const items = page.items || [];
    $('.summary', section).textContent =
        items.length ? `共 ${page.total} 笔，显示 ${items.length} 笔` : '暂无订单';
    const list = $('ul.list', section);
    list.replaceChildren();
    for (const order of items) {
      const link = element('a', `#${order.id} ${order.dish}`, 'order-link');
      link.href = `#order-${order.id}`;
      link.dataset.orderId = String(order.id);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        openOrder(order.id);
      });
      const item = element('li');
      item.append(link, element('span', ` ${when(order.createdAt)} · ${money(order.amount)} 元`));
      list.append(item);
    }
  }

  function showRecharges(answer) {
    rows($('#recharges'), answer.items || [], (r) => [
      [r.id], [when(r.at)], [channels[r.channel] || r.channel], [money(r.amount), 'money'],
    ]);
  }

  async function openOrder(id) {
    detailWanted = id;
    const section = $('#order-detail');
    section.removeAttribute('data-order-id');
    section.dataset.loaded = 'false';
    $('.hint', section).textContent = `正在加载订单 #${id}…`;
    try {
      const order = await api(`/api/orders/${encodeURIComponent(id)}`);
      if (detailWanted !== id) return; // another order was clicked meanwhile
      facts(section, [
        ['订单号', order.id], ['菜品', order.dish], ['窗口', order.window],
        ['金额 (元)', money(order.amount)], ['下单时间', when(order.createdAt)],
        ['员工编号', order.employeeId],
      ]);
      $('.hint', section).textContent = '';
      section.dataset.orderId = String(order.id);
      section.dataset.loaded = 'true';
      showError('');
    } catch (err) {
      if (detailWanted !== id) return;
      $('.hint', section).textContent = '订单加载失败。';
      failed(err);
    }
  }

  async function loadPortal() {
    const orders = $('#orders');
    orders.dataset.loaded = 'false';
    const [me, card, menu, page, recharges] = await Promise.all([
      api('/api/me'),
      api('/api/cards/me'),
      api('/api/menu'),
      api('/api/orders?page=1&pageSize=20'),
      api('/api/recharges'),
    ]);
    showProfile(me);
    showCard(card);
    showMenu(menu);
    showOrders(page);
    showRecharges(recharges);
    orders.dataset.loaded = 'true';
  }

  // Show the signed-in view (`signedIn`) or the sign-in form, and forget the old view's data.
  function switchTo(signedIn) {
    $('#sign-in-form').hidden = signedIn;
    $('#portal').hidden = !signedIn;
    $('#sign-out').hidden = !signedIn;
    if (signedIn) return;
    $('#whoami').hidden = true;
    $('#orders').removeAttribute('data-loaded');
    const detail = $('#order-detail');
    detail.removeAttribute('data-order-id');
    detail.removeAttribute('data-loaded');
    $('.hint', detail).textContent = '点击上方的订单查看详情。';
    const filled = '#portal dl.facts, #portal tbody, #portal ul.list';
    for (const list of document.querySelectorAll(filled)) list.replaceChildren();
    $('#orders .summary').textContent = '';
  }

  // An expired or refused token ends the session; anything else is just said.
  function failed(err) {
    if (err instanceof ApiError && err.status === 401 && token) {
      token = null;
      switchTo(false);
      showError('登录已过期，请重新登录。');
    } else {
      showError(err.message);
    }
  }

  async function signIn(event) {
    event.preventDefault();
    const button = $('#sign-in');
    button.disabled = true;
    showError('');
    try {
      const answer = await api('/api/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: $('#username').value, password: $('#password').value }),
      });
      if (!answer || typeof answer.token !== 'string') throw new ApiError('登录失败：没有令牌', 0);
      token = answer.token;
      $('#password').value = '';
      switchTo(true);
      await loadPortal();
    } catch (err) {
      if (!token) {
        showError(err instanceof ApiError && err.status === 401 ? '用户名或密码错误。' : err.message);
      } else {
        failed(err);
      }
    } finally {
      button.disabled = false;
    }
  }

  function signOut() {
    token = null;
    detailWanted = null;
    switchTo(false);
    showError('');
    $('#username').focus();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('#sign-in-form').addEventListener('submit', signIn);
    $('#sign-out').addEventListener('click', signOut);
    switchTo(false);
  });
})();
