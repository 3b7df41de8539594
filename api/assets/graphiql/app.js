// GraphiQL for this server: queries and mutations over HTTP, subscriptions over
// graphql-transport-ws. The headers typed in GraphiQL's Headers tab (for example
// {"Authorization": "Bearer …"}) go with every HTTP request and, for a subscription, in the
// connection_init payload, which is where this server reads the token.
(function () {
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + "/graphql",
    subscriptionUrl: scheme + window.location.host + "/graphql",
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: true,
    })
  );
})();
