// What every edit dialog of the package shares: JID rules as the runtime applies them
// (nodes/core/jid.ts), field validators that say what is wrong, and JID suggestions from the
// deployed connection's roster. Served by Node-RED at resources/node-red-contrib-xmpp-flows/.
// Plain ES5-style browser code (the editor loads it with a script tag); also require()-able, so a
// unit test can check it against the runtime's parser.
(function (root, factory) {
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else if (!root.XmppFlowsEditor) root.XmppFlowsEditor = api;
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  var CATALOG = 'node-red-contrib-xmpp-flows/xmpp-config:xmpp-config.';
  var MAX_PART_BYTES = 1023;
  // The same character classes as nodes/core/jid.ts and nodes/core/xml-text.ts: a JID the
  // editor accepts must be one the runtime accepts.
  var LOCAL_FORBIDDEN = /["&'/:<>@\s\u0000-\u001F\u007F]/u;
  var DOMAIN_FORBIDDEN = /[\s\u0000-\u001F\u007F@/\\"'<>]/u;
  var RESOURCE_FORBIDDEN = /[\u0000-\u001F\u007F]/u;
  var XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  // Suggestions are asked for once per connection and kept this long (a roster changes slowly).
  var CONTACTS_TTL_MS = 10000;
  var MIN_TYPED = 2;

  function utf8Length(text) {
    return typeof TextEncoder === 'function' ? new TextEncoder().encode(text).length : unescape(encodeURIComponent(text)).length;
  }

  function nfc(text) {
    return typeof text.normalize === 'function' ? text.normalize('NFC') : text;
  }

  /**
   * Why a JID would be refused at runtime (a key under xmpp-config.validate.jid), or null when it
   * is fine. The checks run in the order of parseJid, so the first problem named is the same.
   */
  function jidProblem(input) {
    if (typeof input !== 'string') return 'empty';
    var text = input.trim();
    if (text === '') return 'empty';
    var slash = text.indexOf('/');
    var beforeResource = slash === -1 ? text : text.slice(0, slash);
    var resource = slash === -1 ? '' : nfc(text.slice(slash + 1));
    var at = beforeResource.indexOf('@');
    var local = at === -1 ? '' : nfc(beforeResource.slice(0, at)).toLowerCase();
    var domain = nfc(at === -1 ? beforeResource : beforeResource.slice(at + 1)).toLowerCase();
    if (domain.charAt(domain.length - 1) === '.') domain = domain.slice(0, -1);
    if (at !== -1 && local === '') return 'empty-local';
    if (LOCAL_FORBIDDEN.test(local)) return 'local-char';
    if (utf8Length(local) > MAX_PART_BYTES) return 'local-long';
    if (domain === '') return 'no-domain';
    if (DOMAIN_FORBIDDEN.test(domain)) return 'domain-char';
    if (domain.charAt(0) !== '[' && domain.split('.').some(function (label) { return label === '' || label.length > 63; })) return 'domain-label';
    if (utf8Length(domain) > MAX_PART_BYTES) return 'domain-long';
    if (slash !== -1 && resource === '') return 'empty-resource';
    if (RESOURCE_FORBIDDEN.test(resource)) return 'resource-char';
    if (utf8Length(resource) > MAX_PART_BYTES) return 'resource-long';
    if (XML_FORBIDDEN.test(text)) return 'xml-char';
    return null;
  }

  /** Like jidProblem, for an account (the connection's JID): it needs a user part. */
  function accountJidProblem(input) {
    var problem = jidProblem(input);
    if (problem) return problem;
    var text = input.trim();
    var slash = text.indexOf('/');
    return (slash === -1 ? text : text.slice(0, slash)).indexOf('@') === -1 ? 'need-local' : null;
  }

  function t(key, substitutions) {
    return typeof RED !== 'undefined' ? RED._(CATALOG + key, substitutions) : key;
  }

  function isEmpty(v) {
    return v === undefined || v === null || String(v).trim() === '';
  }

  // Node-RED 4 shows a validator's string as the invalid field's tooltip; it passes `opt` when it
  // wants the words, so without it a plain false is kept for older callers.
  function verdict(message, opt) {
    if (message === null) return true;
    return opt ? message : false;
  }

  /** One JID. options.allowEmpty: empty is fine (msg supplies it); options.account: user@domain needed. */
  function jid(options) {
    options = options || {};
    return function (v, opt) {
      if (isEmpty(v)) return verdict(options.allowEmpty ? null : t('validate.jid.empty'), opt);
      var problem = options.account ? accountJidProblem(String(v)) : jidProblem(String(v));
      return verdict(problem ? t('validate.jid.' + problem) : null, opt);
    };
  }

  /**
   * A list of JIDs. options.split: the separators the runtime splits on; options.wildcards:
   * "*@domain" entries allowed; options.bareOrDomain: only bare JIDs and domains match (caller lists);
   * options.when(node): validate only when it says so (the list is used in one mode only).
   */
  function jidList(options) {
    options = options || {};
    var split = options.split || /[\s,]+/;
    return function (v, opt) {
      if (options.when && !options.when.call(this)) return true;
      var entries = String(v || '').split(split).map(function (e) { return e.trim(); }).filter(Boolean);
      for (var i = 0; i < entries.length; i++) {
        var entry = entries[i];
        var wildcard = options.wildcards && entry.indexOf('*@') === 0;
        var checked = wildcard ? entry.slice(2) : entry;
        var problem = jidProblem(checked);
        if (problem) return verdict(t('validate.jid.entry', { entry: entry, reason: t('validate.jid.' + problem) }), opt);
        // "*@" takes a domain; a caller list matches bare JIDs and domains, never a resource.
        var hasResource = checked.indexOf('/') !== -1;
        if ((wildcard && (hasResource || checked.indexOf('@') !== -1)) || (options.bareOrDomain && hasResource)) {
          return verdict(t('validate.jid.domain-only', { entry: entry }), opt);
        }
      }
      return true;
    };
  }

  /** A field of the open dialog (a node's, not a config node's), else the node's saved value. */
  function current(node, name) {
    var input = typeof $ === 'function' ? $('#node-input-' + name) : null;
    return input && input.length ? input.val() : node && node[name];
  }

  /**
   * Who may use what a node serves, in `serveMode`: bare JIDs or domains, split as the runtime
   * splits them (spaces, commas); with access "listed" an empty list lets nobody in, so it is refused.
   */
  function callers(serveMode) {
    var list = jidList({ bareOrDomain: true });
    return function (v, opt) {
      var access = current(this, 'access') || 'listed';
      if (current(this, 'mode') !== serveMode || access !== 'listed') return true;
      if (isEmpty(v)) return verdict(t('validate.callers-empty'), opt);
      return list.call(this, v, opt);
    };
  }

  /**
   * xmpp-in's senders: a list (commas or lines, "*@domain" allowed) in mode "list"; a node from
   * before the choice existed read From whole, as one JID.
   */
  function senders() {
    var list = jidList({ split: /[,\n]/, wildcards: true });
    var single = jid({ allowEmpty: true });
    return function (v, opt) {
      var mode = current(this, 'senders');
      if (!mode) return single.call(this, v, opt);
      return mode === 'list' ? list.call(this, v, opt) : true;
    };
  }

  /** A whole number within [min, max]; empty allowed (the runtime's default then applies). */
  function whole(min, max, key) {
    return function (v, opt) {
      if (isEmpty(v)) return true;
      var text = String(v).trim();
      var ok = /^-?\d+$/.test(text) && Number(text) >= min && Number(text) <= max;
      return verdict(ok ? null : key ? t('validate.' + key) : t('validate.whole', { min: min, max: max }), opt);
    };
  }

  /** Reads a select of the open dialog, else the node's saved value. */
  function field(node, name, fallback) {
    var input = typeof $ === 'function' ? $('#node-config-input-' + name) : null;
    var value = input && input.length ? input.val() : node && node[name];
    return value || fallback;
  }

  function pin(v, opt) {
    if (field(this, 'trust', 'system') !== 'pin') return true;
    // The runtime drops every non-hex character before comparing: only separators may be dropped.
    var text = String(v || '').trim();
    return verdict(/^[0-9a-fA-F:\s-]+$/.test(text) && text.replace(/[^0-9a-fA-F]/g, '').length === 64 ? null : t('validate.pin'), opt);
  }

  function host(v, opt) {
    if (isEmpty(v)) return true;
    var text = String(v).trim();
    // One colon is a port written into the host (an IPv6 address has several).
    return verdict(/^[^\s/@\\"'<>]+$/.test(text) && text.split(':').length !== 2 ? null : t('validate.host'), opt);
  }

  function ca(v, opt) {
    if (field(this, 'trust', 'system') !== 'ca') return true;
    var text = String(v || '').trim();
    if (text === '') return verdict(t('validate.ca'), opt);
    if (text.indexOf('-----BEGIN') === -1) return verdict(/[\r\n]/.test(text) ? t('validate.ca') : null, opt);
    return verdict(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(text) ? null : t('validate.ca'), opt);
  }

  function wsUrl(v, opt) {
    if (field(this, 'transport', 'tcp') !== 'websocket' || isEmpty(v)) return true;
    var text = String(v).trim();
    var match = /^(wss?):\/\/[^\s/?#]+[^\s]*$/i.exec(text);
    if (!match) return verdict(t('validate.wsUrl'), opt);
    return verdict(match[1].toLowerCase() === 'ws' && field(this, 'security', 'starttls') !== 'none' ? t('validate.wsUrl-plain') : null, opt);
  }

  function discoItems(v, opt) {
    var lines = String(v || '').split('\n');
    for (var i = 0; i < lines.length; i++) {
      var entry = lines[i].split('|')[0].trim();
      if (entry !== '' && jidProblem(entry)) return verdict(t('validate.discoItems', { line: i + 1, entry: entry }), opt);
    }
    return true;
  }

  function token(v, opt) {
    return verdict(isEmpty(v) || /^[A-Za-z0-9._-]+$/.test(String(v).trim()) ? null : t('validate.identity'), opt);
  }

  // ---- JID suggestions ----

  var contactsCache = {};

  function contactsOf(configId, done) {
    var cached = contactsCache[configId];
    if (cached && Date.now() - cached.at < CONTACTS_TTL_MS) return done(cached.contacts);
    $.ajax({ url: 'xmpp-config/' + encodeURIComponent(configId) + '/contacts', dataType: 'json', cache: false })
      .done(function (answer) {
        var contacts = (answer && answer.contacts) || [];
        // An empty roster may only not be loaded yet (just deployed, offline): ask again next time.
        if (answer && answer.online && contacts.length) contactsCache[configId] = { at: Date.now(), contacts: contacts };
        done(contacts);
      })
      .fail(function () {
        done([]);
      });
  }

  function presenceLabel(presence) {
    return RED._('node-red-contrib-xmpp-flows/xmpp-config:xmpp-config.suggest.' + presence);
  }

  /**
   * Suggests the connection's contacts in a JID field after two typed characters, each with its
   * presence. `configSelect`: the select naming the connection. options.separators: for a list,
   * only the entry being typed is completed (what came before stays).
   */
  function suggestJids(input, configSelect, options) {
    options = options || {};
    var $input = $(input);
    if (!$input.length || typeof $input.autoComplete !== 'function') return;
    $input.autoComplete({
      minLength: MIN_TYPED,
      search: function (value, done) {
        var configId = $(configSelect).val();
        var head = '';
        var typed = value;
        if (options.separators) {
          var last = -1;
          for (var i = 0; i < value.length; i++) if (options.separators.test(value.charAt(i))) last = i;
          head = value.slice(0, last + 1);
          typed = value.slice(last + 1).trim();
        }
        if (!configId || configId === '_ADD_' || typed.length < MIN_TYPED) return done([]);
        var wanted = typed.toLowerCase();
        contactsOf(configId, function (contacts) {
          var matches = contacts.filter(function (c) {
            return c.jid.toLowerCase().indexOf(wanted) !== -1 || (c.name && c.name.toLowerCase().indexOf(wanted) !== -1);
          });
          done(matches.slice(0, 50).map(function (c) {
            var label = $('<div>', { class: 'xmpp-flows-suggestion', style: 'display: flex; justify-content: space-between; gap: 12px;' });
            $('<span>').text(c.name ? c.jid + ' (' + c.name + ')' : c.jid).appendTo(label);
            $('<span>', { class: 'xmpp-flows-presence xmpp-flows-presence-' + c.presence, style: 'opacity: 0.7; white-space: nowrap;' })
              .append($('<i>', { class: 'fa fa-circle', style: 'color: ' + presenceColor(c.presence) + '; margin-right: 4px;' }))
              .append($('<span>').text(presenceLabel(c.presence)))
              .appendTo(label);
            return { value: head + c.jid, label: label };
          }));
        });
      }
    });
  }

  function presenceColor(presence) {
    switch (presence) {
      case 'chat':
      case 'available':
        return '#5a8';
      case 'away':
      case 'xa':
        return '#c93';
      case 'dnd':
        return '#c44';
      default:
        return '#999';
    }
  }

  return {
    jidProblem: jidProblem,
    accountJidProblem: accountJidProblem,
    validators: { jid: jid, jidList: jidList, callers: callers, senders: senders, whole: whole, host: host, pin: pin, ca: ca, wsUrl: wsUrl, discoItems: discoItems, token: token },
    suggestJids: suggestJids,
  };
});
