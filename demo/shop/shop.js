/* The demo shop's behaviour: one file for every page, chosen by <body data-page>.
 * Analytics calls go through track()/identify(), which wait for the SDK to load. */
(function () {
  "use strict";
  var BASE = "/demo/";
  var pending = [];

  function sdk() {
    var b = window.beaconlake;
    return b && typeof b.capture === "function" ? b : null;
  }
  function call(method, args) {
    var b = sdk();
    if (b) b[method].apply(b, args);
    else pending.push([method, args]);
  }
  window.addEventListener("beaconlake:ready", function () {
    var b = sdk();
    while (b && pending.length) { var p = pending.shift(); b[p[0]].apply(b, p[1]); }
  });
  function track(name, props) { call("capture", [name, props || {}]); }
  function identify(userId, traits) { call("identify", [userId, traits || {}]); }

  function $(sel) { return document.querySelector(sel); }
  function money(n) { return "€" + n.toFixed(2); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  var cart = {
    load: function () {
      try { return JSON.parse(localStorage.getItem("demo_cart") || "[]"); } catch (e) { return []; }
    },
    save: function (items) { localStorage.setItem("demo_cart", JSON.stringify(items)); },
    add: function (sku) {
      var items = cart.load();
      var line = items.find(function (i) { return i.sku === sku; });
      if (line) line.qty += 1; else items.push({ sku: sku, qty: 1 });
      cart.save(items);
    },
    count: function () { return cart.load().reduce(function (n, i) { return n + i.qty; }, 0); },
  };

  function header() {
    var h = $("header.site");
    if (!h) return;
    h.innerHTML =
      '<a class="brand" href="' + BASE + 'index.html">Harbor &amp; Hearth</a>' +
      '<nav><a href="' + BASE + 'index.html">Home</a><a href="' + BASE + 'catalog.html">Catalog</a>' +
      '<a href="' + BASE + 'cart.html">Cart (<span id="cart-count">' + cart.count() + "</span>)</a></nav>";
  }

  function card(p) {
    var a = el("a", { class: "card", href: BASE + "product/" + p.sku + ".html" });
    var sw = el("div", { class: "swatch" });
    sw.style.background = p.colour;
    a.append(sw, el("h3", {}, p.name), el("p", { class: "price" }, money(p.price)));
    return a;
  }

  var pages = {
    home: function (products) {
      // The hero arrives late on purpose (a slow CDN): it is the page's LCP element.
      setTimeout(function () { $("#hero").src = BASE + "hero.svg"; }, 2600);
      var grid = $("#featured");
      products.slice(0, 3).forEach(function (p) { grid.append(card(p)); });
    },
    catalog: function (products) {
      function render() {
        var cat = new URLSearchParams(location.search).get("category");
        var grid = $("#grid");
        grid.textContent = "";
        products.filter(function (p) { return !cat || p.category === cat; })
          .forEach(function (p) { grid.append(card(p)); });
        document.querySelectorAll("[data-spa]").forEach(function (a) {
          a.classList.toggle("active", (a.dataset.category || null) === cat);
        });
        document.title = (cat ? cat[0].toUpperCase() + cat.slice(1) : "Catalog") + " · Harbor & Hearth";
      }
      // Client-side navigation: filters change the URL with pushState, no page load.
      document.querySelectorAll("[data-spa]").forEach(function (a) {
        a.addEventListener("click", function (e) {
          e.preventDefault();
          history.pushState({}, "", a.getAttribute("href"));
          render();
        });
      });
      window.addEventListener("popstate", render);
      render();
    },
    product: function (products) {
      var p = products.find(function (x) { return x.sku === document.body.dataset.sku; });
      if (!p) return;
      $("#name").textContent = p.name;
      $("#price").textContent = money(p.price);
      $("#blurb").textContent = p.blurb;
      $("#swatch").style.background = p.colour;
      document.title = p.name + " · Harbor & Hearth";
      $("#add").addEventListener("click", function () {
        cart.add(p.sku);
        $("#cart-count").textContent = cart.count();
        $("#added").hidden = false;
        track("add_to_cart", { sku: p.sku, price: p.price, currency: "EUR" });
      });
      function tab() {
        var reviews = new URLSearchParams(location.search).get("tab") === "reviews";
        $("#details").hidden = reviews;
        $("#reviews").hidden = !reviews;
      }
      document.querySelectorAll("[data-tab]").forEach(function (a) {
        a.addEventListener("click", function (e) {
          e.preventDefault();
          history.pushState({}, "", a.getAttribute("href"));
          tab();
        });
      });
      window.addEventListener("popstate", tab);
      tab();
    },
    cart: function (products) {
      var items = cart.load();
      var list = $("#lines");
      var total = 0;
      items.forEach(function (i) {
        var p = products.find(function (x) { return x.sku === i.sku; });
        if (!p) return;
        total += p.price * i.qty;
        list.append(el("li", {}, i.qty + " × " + p.name + " — " + money(p.price * i.qty)));
      });
      $("#total").textContent = money(total);
      $("#empty").hidden = items.length > 0;
      // Deliberately broken: no feedback, and an uncaught TypeError. People click it again and again.
      $("#coupon").addEventListener("click", function () {
        var promo; // the promo service "forgot" to answer
        $("#coupon").dataset.discount = promo.discount;
      });
      $("#stock").addEventListener("click", function () {
        fetch(BASE + "api/stock?skus=" + items.map(function (i) { return i.sku; }).join(","))
          .then(function (r) { $("#stock-msg").textContent = r.ok ? "In stock" : "Could not check stock (" + r.status + ")"; });
      });
    },
    checkout: function (products) {
      var items = cart.load();
      var total = items.reduce(function (n, i) {
        var p = products.find(function (x) { return x.sku === i.sku; });
        return n + (p ? p.price * i.qty : 0);
      }, 0);
      $("#total").textContent = money(total);
      function step() {
        var pay = new URLSearchParams(location.search).get("step") === "payment";
        $("#shipping").hidden = pay;
        $("#payment").hidden = !pay;
      }
      $("#shipping").addEventListener("submit", function (e) {
        e.preventDefault();
        sessionStorage.setItem("demo_email", $("#email").value.trim().toLowerCase());
        sessionStorage.setItem("demo_name", $("#fullname").value.trim());
        history.pushState({}, "", BASE + "checkout.html?step=payment"); // client-side step
        step();
      });
      $("#payment").addEventListener("submit", function (e) {
        e.preventDefault();
        var email = sessionStorage.getItem("demo_email") || "guest@example.com";
        var userId = "u_" + Array.from(email).reduce(function (h, c) {
          return (h * 31 + c.charCodeAt(0)) >>> 0;
        }, 7).toString(36);
        var order = "o_" + Date.now().toString(36);
        identify(userId, { email: email, name: sessionStorage.getItem("demo_name") || "" });
        track("purchase", { order_id: order, revenue: total, currency: "EUR", items: items });
        // The SDK sends what is queued when the page hides (sendBeacon): no flush needed.
        setTimeout(function () { location.href = BASE + "thanks.html?order=" + order; }, 300);
      });
      window.addEventListener("popstate", step);
      step();
    },
    thanks: function () {
      $("#order").textContent = new URLSearchParams(location.search).get("order") || "—";
      cart.save([]);
      $("#cart-count").textContent = "0";
    },
  };

  document.addEventListener("DOMContentLoaded", function () {
    header();
    var page = pages[document.body.dataset.page];
    fetch(BASE + "products.json")
      .then(function (r) { return r.json(); })
      .then(function (products) { if (page) page(products); });
  });
})();
