/* Mounts the rasa-webchat widget (web/vendor/webchat.js) with the settings that serve.py put
   in <script type="application/json" id="chat-config">. No inline script, no other host. */
(function () {
  'use strict';

  var SESSION_KEY = 'chat_session'; // where rasa-webchat 1.0.1 keeps the conversation

  function status(text) {
    var node = document.getElementById('chat-status');
    if (node) node.textContent = text;
  }

  var configNode = document.getElementById('chat-config');
  var mount = document.getElementById('chat-widget');
  if (!configNode || !mount || !window.WebChat || typeof window.WebChat.default !== 'function') {
    status('The chat could not be loaded. Please call or e-mail us instead.');
    return;
  }
  var config = JSON.parse(configNode.textContent);
  // "/" means Rasa's /socket.io/ is served on this page's own origin (reverse proxy).
  var socketUrl = config.socketUrl === '/' ? window.location.origin : config.socketUrl;

  window.WebChat.default({
    socketUrl: socketUrl,
    socketPath: config.socketPath,
    initPayload: config.initPayload,
    title: config.title,
    subtitle: config.subtitle,
    inputTextFieldHint: 'Type your question…',
    // Sent with every message as `customData`; Rasa reads it as the message metadata when
    // credentials.yml sets `metadata_key: customData`. The path only: no query string.
    customData: { page_path: window.location.pathname },
    showFullScreenButton: false,
    showCloseButton: true,
    // This tab only: a reload keeps the conversation, closing the tab ends it, and nothing is
    // left in the browser for the next person at a shared computer.
    params: { storage: 'session' },
    embedded: false,
    withRules: false,
    docViewer: false,
    displayUnreadCount: false,
    hideWhenNotConnected: true,
    connectOn: 'mount'
  }, mount);

  // Names for the widget's unlabelled controls, and a live log so screen readers announce
  // answers. The widget re-renders often, so this runs on every change inside it.
  function setAttr(selector, name, value) {
    var node = mount.querySelector(selector);
    if (node && node.getAttribute(name) !== value) node.setAttribute(name, value);
  }
  function labelWidget() {
    var open = !!mount.querySelector('.rw-conversation-container');
    setAttr('.rw-launcher', 'aria-label', open ? 'Close the chat' : 'Chat with our assistant');
    setAttr('.rw-launcher', 'aria-expanded', open ? 'true' : 'false');
    setAttr('.rw-close-button', 'aria-label', 'Close the chat');
    setAttr('.rw-new-message', 'aria-label', 'Your message');
    setAttr('.rw-send', 'aria-label', 'Send');
    setAttr('.rw-messages-container', 'role', 'log');
    setAttr('.rw-messages-container', 'aria-live', 'polite');
    setAttr('.rw-messages-container', 'aria-label', 'Conversation');
  }
  new MutationObserver(labelWidget).observe(mount, { childList: true, subtree: true });

  // The open chat starts below the crisis line, which stays visible (site.css).
  var crisis = document.querySelector('.crisis');
  function measureCrisisLine() {
    if (crisis) document.documentElement.style.setProperty('--crisis-height', crisis.offsetHeight + 'px');
  }
  measureCrisisLine();
  window.addEventListener('resize', measureCrisisLine);

  var actions = document.querySelector('.chat-actions');
  var openButton = document.getElementById('open-chat');
  var forgetButton = document.getElementById('forget-chat');
  if (actions) actions.hidden = false;

  if (openButton) {
    openButton.addEventListener('click', function () {
      var launcher = document.querySelector('#chat-widget .rw-launcher');
      if (!launcher) {
        status('The chat is connecting; please try again in a moment, or call us.');
        return;
      }
      if (!document.querySelector('#chat-widget .rw-conversation-container')) launcher.click();
      window.setTimeout(function () {
        var input = document.querySelector('#chat-widget .rw-new-message');
        if (input) input.focus();
      }, 300);
    });
  }

  if (forgetButton) {
    forgetButton.addEventListener('click', function () {
      try {
        window.localStorage.removeItem(SESSION_KEY);
        window.sessionStorage.removeItem(SESSION_KEY);
      } catch (e) { /* storage disabled: nothing kept */ }
      window.location.reload();
    });
  }
}());
