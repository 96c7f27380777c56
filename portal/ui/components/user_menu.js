// The header's user menu, rendered in the browser from data (user_menu.py's UserMenu): one NiceGUI element instead
// of a button, a menu, the email, the account item with its sections and icon, a separator, the sign-out form and its
// button. Sign-out stays a native form POST with the CSRF token, so the route can end the session in a real request.
export default {
  template: `
    <q-btn flat no-caps color="white" icon="account_circle" :label="label" data-testid="header-user-menu"
           data-i18n="data">
      <q-menu>
        <div class="px-4 py-2 text-sm" data-i18n="data">{{ email }}</div>
        <q-item v-if="accountLabel" clickable v-close-popup href="/account" data-testid="header-account">
          <q-item-section avatar><q-icon name="manage_accounts" /></q-item-section>
          <q-item-section>{{ accountLabel }}</q-item-section>
        </q-item>
        <q-separator />
        <form method="post" action="/auth/logout" class="px-2 py-1">
          <input type="hidden" :name="csrf.name" :value="csrf.value" />
          <q-btn type="submit" flat no-caps icon="logout" :label="signOutLabel" data-testid="logout" />
        </form>
      </q-menu>
    </q-btn>
  `,
  props: {
    label: { type: String, default: "" }, // who is signed in
    email: { type: String, default: "" },
    accountLabel: { type: String, default: "" }, // empty: no account item (an agent acting for a customer)
    signOutLabel: { type: String, default: "" },
    csrf: { type: Object, default: () => ({ name: "", value: "" }) }, // the sign-out form's hidden field
  },
};
