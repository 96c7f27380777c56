// Passkeys in the browser: the WebAuthn calls the portal's pages make, and the JSON their answers travel in.
//
// The server makes the options (py_webauthn's JSON, binary values as base64url, itself base64-encoded so it can sit
// in an event handler) and checks the answers; this file only turns base64url into bytes and back around
// navigator.credentials. Every call runs straight from a click (a user gesture), as Safari requires.
// Errors come back as {error: "..."} in words a person can act on, never as an exception.
(() => {
  const toBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
  };
  const toText = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const unpack = (packed) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(packed), (c) => c.charCodeAt(0))));
  const descriptors = (list) => (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));

  function creationOptions(packed) {
    const options = unpack(packed);
    return {
      ...options,
      challenge: toBytes(options.challenge),
      user: { ...options.user, id: toBytes(options.user.id) },
      excludeCredentials: descriptors(options.excludeCredentials),
    };
  }

  function requestOptions(packed) {
    const options = unpack(packed);
    return { ...options, challenge: toBytes(options.challenge), allowCredentials: descriptors(options.allowCredentials) };
  }

  function asJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      json.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return json;
  }

  function problem(error, rpId) {
    const name = (error && error.name) || "Error";
    if (name === "NotAllowedError") return { error: "The passkey request was cancelled or timed out." };
    if (name === "InvalidStateError") return { error: "This device already holds a passkey for your account." };
    if (name === "SecurityError")
      return { error: `Passkeys work only at the portal's own address (${rpId}); open the portal there.` };
    return { error: `The browser could not use a passkey (${name}).` };
  }

  function unsupported() {
    if (!window.PublicKeyCredential || !navigator.credentials)
      return { error: "This browser cannot use passkeys (or the page is not on a secure address)." };
    return null;
  }

  async function register(packed) {
    const options = creationOptions(packed);
    try {
      return unsupported() || asJSON(await navigator.credentials.create({ publicKey: options }));
    } catch (error) {
      return problem(error, options.rp.id);
    }
  }

  async function prove(packed) {
    const options = requestOptions(packed);
    try {
      return unsupported() || asJSON(await navigator.credentials.get({ publicKey: options }));
    } catch (error) {
      return problem(error, options.rpId);
    }
  }

  // The sign-in pages post the answer in a plain form, so the session cookie is set by a real response.
  async function signIn(packed, formId) {
    const answer = await prove(packed);
    if (answer.error) return answer;
    const form = document.getElementById(formId);
    form.querySelector("input[name=credential]").value = JSON.stringify(answer);
    form.submit();
    return { ok: true };
  }

  window.portalPasskeys = { register, prove, signIn };
})();
