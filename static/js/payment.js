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
