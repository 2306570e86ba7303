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

// Payment methods, "Add a card" (templates/customer/account/add_card.html): Stripe.js
// saves the card through the SetupIntent, then the form posts the SetupIntent's id and
// the server reads the card from Stripe.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const error = document.getElementById("payment-error");
  form.addEventListener("submit", async (event) => {
    if (form.elements.setup_intent.value) return;  // saved: let the post go
    event.preventDefault();
    if (form.dataset.spent) { window.location.reload(); return; }  // a refused SetupIntent cannot be used again
    const button = document.getElementById("save-card");
    button.disabled = true;
    const saved = await stripe.confirmCardSetup(form.dataset.setupSecret, { payment_method: { card: card } });
    if (saved.error) {
      error.textContent = saved.error.message || "Your card was declined.";
      error.hidden = false;
      form.querySelector("#payment-field").classList.add("has-error");
      form.dataset.spent = "yes";
      button.textContent = "Try another card";
      button.disabled = false;
      return;
    }
    form.elements.setup_intent.value = saved.setupIntent.id;
    form.submit();
  });
})();
