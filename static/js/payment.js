// The card step of a booking (templates/customer/bookings/pay.html). The card goes from
// Stripe.js to Stripe (confirmCardSetup saves it to the customer); our server then
// charges the saved card and says what happened, reading it from Stripe, never from
// this script. When the bank asks for 3-D Secure, Stripe.js runs it
// (confirmCardPayment) and the server looks again.
(function () {
  "use strict";
  const form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const button = document.getElementById("pay-button");
  const error = document.getElementById("payment-error");
  const retry = document.getElementById("payment-retry");
  const field = document.getElementById("payment-field");

  function fail(message, final) {
    error.textContent = message;
    error.hidden = false;
    field.classList.add("has-error");
    button.disabled = !!final;
    if (final) { retry.hidden = false; button.hidden = true; }
  }

  async function settle() {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), headers: { "Accept": "application/json" }, credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({ status: "error" }));
    if (answer.status === "succeeded") { window.location.assign(answer.redirect); return; }
    if (answer.status === "requires_action") {
      await stripe.confirmCardPayment(answer.client_secret);
      return settle();  // whatever the modal said, the server asks Stripe
    }
    if (answer.status === "processing") {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return settle();
    }
    if (answer.status === "failed" || answer.status === "cancelled") { fail(answer.message, true); return; }
    fail(answer.message || "The payment could not be made just now; please try again.", false);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    field.classList.remove("has-error");
    if (form.dataset.resume !== "yes") {
      const saved = await stripe.confirmCardSetup(form.dataset.setupSecret, { payment_method: { card: card } });
      if (saved.error) { fail(saved.error.message || "Your card was declined.", true); return; }
    }
    await settle();
  });
})();

// Saving a card to the customer's account, the one implementation for Payment methods'
// "Add a card" (templates/customer/account/add_card.html) and the booking review's card
// on file (templates/customer/book/_card_on_file.html). The element marked data-save-card
// (the form, or a fieldset in it) holds the Card Element; a button marked data-saves-card
// first saves the card: a fresh SetupIntent from our server (data-setup-url), then
// Stripe.js's confirmCardSetup sends the card to Stripe (running 3-D Secure when the
// bank asks), then the form posts with the SetupIntent's id and the server reads the
// card from Stripe. A refusal is shown at the card field and nothing is posted, so the
// page keeps everything; the next try takes a new SetupIntent.
(function () {
  "use strict";
  const holder = document.querySelector("[data-save-card]");
  if (!holder || typeof Stripe === "undefined") return;
  const form = holder.tagName === "FORM" ? holder : holder.form;
  const stripe = Stripe(holder.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const error = document.getElementById("payment-error");
  const field = document.getElementById("payment-field");
  const saved = form.querySelector("input[name=setup_intent]");

  function newCardWanted() {
    const choice = form.querySelector("input[name=card_choice]:checked") || form.querySelector("input[name=card_choice][type=hidden]");
    return !choice || choice.value === "new";
  }

  function fail(message, button, label) {
    error.textContent = message;
    error.hidden = false;
    field.classList.add("has-error");
    button.disabled = false;
    button.textContent = label;
  }

  async function secret() {
    const response = await fetch(holder.dataset.setupUrl, {
      method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" },
      body: new URLSearchParams({ csrf_token: form.elements.csrf_token.value }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok || !answer.client_secret) throw new Error(answer.error || "The card could not be saved just now; please try again.");
    return answer.client_secret;
  }

  form.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (saved.value || !button || !button.hasAttribute("data-saves-card") || !newCardWanted()) return;  // saved, or no card to save: post
    event.preventDefault();
    const label = button.textContent;
    button.disabled = true;
    error.hidden = true;
    field.classList.remove("has-error");
    let result;
    try {
      result = await stripe.confirmCardSetup(await secret(), { payment_method: { card: card } });
    } catch (problem) {
      fail(problem.message, button, label);
      return;
    }
    if (result.error) { fail(result.error.message || "Your card was declined.", button, label); return; }
    saved.value = result.setupIntent.id;
    button.disabled = false;
    form.requestSubmit(button);
  });
})();
