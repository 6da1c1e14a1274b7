// Starts GraphiQL on /graphql from the settings the page carries (no inline script: the page's
// Content-Security-Policy allows scripts from this server only).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("graphiql-settings").textContent);
  var fetcher = GraphiQL.createFetcher({
    url: new URL(settings.endpoint, window.location.href).toString(),
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: settings.defaultQuery,
      defaultHeaders: settings.defaultHeaders,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    })
  );
})();
